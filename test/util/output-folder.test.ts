/** Output ownership of writeDirAtomic, in process: what is refused, what is carried over, what a failure leaves. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDirAtomic } from "../../src/util/atomic.js";
import { OUTPUT_MARKER, claimScratchFolder } from "../../src/util/output-folder.js";
import { CuratorError } from "../../src/errors.js";

const root = mkdtempSync(join(tmpdir(), "curator-output-folder-"));
const write = (out: string, files: Record<string, string>, command: "eval" | "decide" = "eval", adopt?: string[]) =>
  writeDirAtomic(out, { command, adopt }, async (tmp) => {
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(tmp, f, ".."), { recursive: true });
      writeFileSync(join(tmp, f), text);
    }
  });
const hidden = () => readdirSync(root).filter((e) => e.includes(".tmp-"));

async function refusal(p: Promise<unknown>): Promise<CuratorError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CuratorError);
  expect((e as CuratorError).code).toBe("OUTPUT_EXISTS");
  return e as CuratorError;
}

describe("writeDirAtomic ownership", () => {
  it("writes into an empty folder and marks what it wrote", async () => {
    const out = join(root, "empty");
    mkdirSync(out);
    await write(out, { "results.json": "1", "plots/a.svg": "1" });
    expect(JSON.parse(readFileSync(join(out, OUTPUT_MARKER), "utf8"))).toEqual({
      curatorOutput: 1,
      command: "eval",
      toolkitVersion: expect.any(String),
      files: ["plots/a.svg", "results.json"],
    });
  });

  it("a re-run removes only its own files: dropped outputs go, the user's files stay", async () => {
    const out = join(root, "rerun");
    await write(out, { "results.json": "1", "plots/a.svg": "1", "plots/b.svg": "1" });
    writeFileSync(join(out, "plots", "mine.png"), "mine");
    mkdirSync(join(out, ".git"));
    writeFileSync(join(out, ".git", "HEAD"), "ref");
    await write(out, { "results.json": "2", "plots/a.svg": "2" });
    expect(readdirSync(join(out, "plots")).sort()).toEqual(["a.svg", "mine.png"]);
    expect(readFileSync(join(out, ".git", "HEAD"), "utf8")).toBe("ref");
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe("2");
    expect(hidden()).toEqual([]);
  });

  it("a user file at a path the new output writes is refused, and nothing changes", async () => {
    const out = join(root, "clash");
    await write(out, { "results.json": "1" });
    writeFileSync(join(out, "report.md"), "my report");
    const e = await refusal(write(out, { "results.json": "2", "report.md": "generated" }));
    expect(e.message).toMatch(/'report.md'.*Move them out/);
    expect(readFileSync(join(out, "report.md"), "utf8")).toBe("my report");
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe("1");
    expect(hidden()).toEqual([]);
  });

  it("a failed build leaves nothing behind, and the earlier output is untouched", async () => {
    const out = join(root, "failing");
    await write(out, { "results.json": "1" });
    const boom = writeDirAtomic(out, { command: "eval" }, async (tmp) => {
      writeFileSync(join(tmp, "results.json"), "half");
      throw new Error("boom");
    });
    await expect(boom).rejects.toThrow("boom");
    expect(readFileSync(join(out, "results.json"), "utf8")).toBe("1");
    expect(hidden()).toEqual([]);
    await expect(
      writeDirAtomic(join(root, "never"), { command: "eval" }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow();
    expect(existsSync(join(root, "never"))).toBe(false);
  });

  it("another command's output, a damaged marker and a file are refused", async () => {
    const out = join(root, "other");
    await write(out, { "library.jsonl": "" }, "decide");
    expect((await refusal(write(out, { "results.json": "1" }))).message).toMatch(
      /output of 'curator decide', not of 'curator eval'/,
    );
    writeFileSync(join(out, OUTPUT_MARKER), "{");
    expect((await refusal(write(out, { "library.jsonl": "" }, "decide"))).message).toMatch(/is damaged/);
    writeFileSync(join(root, "a-file"), "x");
    expect((await refusal(write(join(root, "a-file"), {}))).message).toMatch(/is a file, not a folder/);
  });

  it("adopt: a folder from before markers holding only the command's files is its own", async () => {
    const out = join(root, "legacy");
    mkdirSync(out);
    writeFileSync(join(out, "library.jsonl"), "old");
    await write(out, { "library.jsonl": "new" }, "decide", ["library.jsonl", "archive.jsonl"]);
    expect(readFileSync(join(out, "library.jsonl"), "utf8")).toBe("new");
  });
});

describe("claimScratchFolder (OUT.partial)", () => {
  it("removes our own scratch folder on a fresh start, refuses a user's folder at that path and keeps it", () => {
    const root = mkdtempSync(join(tmpdir(), "scratch-"));
    const ours = join(root, "ds.partial");
    mkdirSync(ours);
    writeFileSync(join(ours, "options.sha256"), "x");
    claimScratchFolder(ours, "options.sha256", true);
    expect(existsSync(ours)).toBe(false);
    const theirs = join(root, "notes.partial");
    mkdirSync(theirs);
    writeFileSync(join(theirs, "mine.txt"), "keep me");
    for (const fresh of [true, false])
      expect(() => claimScratchFolder(theirs, "options.sha256", fresh)).toThrow(
        /not left by an interrupted curator run/,
      );
    expect(readFileSync(join(theirs, "mine.txt"), "utf8")).toBe("keep me");
  });
});
