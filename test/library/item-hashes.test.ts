import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ItemHashes as SourceItemHashes } from "../../src/library/item-hashes.js";
import { contentHash } from "../../src/library/history.js";
import { readLibraryFile } from "../../src/library/io.js";

// The worker thread runs from the build (dist); from TypeScript sources the hashes are computed on the main thread.
const BUILT = fileURLToPath(new URL("../../dist/library/item-hashes.js", import.meta.url));

/** 200 items (a blank line among them); `edit` changes item 1's content, keeping the file's size. */
function library(dir: string, edit = false): string {
  const file = join(dir, "library.jsonl");
  const lines = Array.from({ length: 200 }, (_, i) =>
    JSON.stringify({
      id: `i${i}`,
      kind: "context",
      content: `${edit && i === 1 ? "omega" : "alpha"} ${i}`,
      stats: { timesRetrieved: i % 5 },
    }),
  );
  writeFileSync(file, `${lines.slice(0, 100).join("\n")}\n\n${lines.slice(100).join("\n")}\n`);
  return file;
}

describe("item hashes computed aside", () => {
  it.each([
    ["main thread", async () => SourceItemHashes],
    ["worker", async () => (await import(BUILT)).ItemHashes as typeof SourceItemHashes],
  ])("%s: the items' contentHash, and not the worker's when the file changed after it read it", async (_, load) => {
    if (!existsSync(BUILT)) throw new Error("run `npm run build` first");
    const ItemHashes = await load();
    const dir = mkdtempSync(join(tmpdir(), "item-hashes-"));
    try {
      const file = library(dir);
      const items = readLibraryFile(file);
      expect(await ItemHashes.start(file).of(items)).toEqual(items.map(contentHash));

      const early = ItemHashes.start(file);
      await (early as unknown as { reply: Promise<unknown> }).reply;
      // Same size and line count; item 1 is not in the sample the hashes are checked against.
      const changed = library(dir, true);
      const now = readLibraryFile(changed);
      expect(now[1].content).not.toBe(items[1].content);
      expect(await early.of(now)).toEqual(now.map(contentHash));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves a pipe to the library reader alone (a second reader would take lines from it)", async () => {
    if (!existsSync(BUILT)) throw new Error("run `npm run build` first");
    const ItemHashes = (await import(BUILT)).ItemHashes as typeof SourceItemHashes;
    const dir = mkdtempSync(join(tmpdir(), "item-hashes-"));
    try {
      const file = library(dir);
      const fifo = join(dir, "library.fifo");
      execFileSync("mkfifo", [fifo]);
      const writer = spawn("sh", ["-c", 'cat "$0" > "$1"', file, fifo], { stdio: "ignore" });
      const hashing = ItemHashes.start(fifo);
      const items = readLibraryFile(fifo);
      writer.kill();
      expect(items.map((it) => it.id)).toEqual(readLibraryFile(file).map((it) => it.id));
      expect(await hashing.of(items)).toEqual(items.map(contentHash));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
