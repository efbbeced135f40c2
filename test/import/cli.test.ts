import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { importCommand } from "../../src/cli/commands/import.js";
import { importSource } from "../../src/import/run.js";
import { FIXTURES } from "./helpers.js";

const run = async (args: Record<string, unknown>): Promise<string> => {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  try {
    await (importCommand.handler as (a: unknown) => Promise<void>)({
      json: true,
      debug: false,
      _: [],
      $0: "curator",
      ...args,
    });
  } finally {
    spy.mockRestore();
  }
  return out.join("");
};

describe("curator import (command)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes the output folder and prints a machine-readable summary with --json", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "cli-import-")), "lib");
    const summary = JSON.parse(await run({ format: "tau-bench", path: join(FIXTURES, "tau-bench"), out }));
    expect(summary).toMatchObject({ out, format: "tau-bench", counts: { events: 2 }, tokenEncoding: "o200k_base" });
    for (const f of [
      "library.jsonl",
      "items.jsonl",
      "snapshots.jsonl",
      "events.jsonl",
      "replay-labels.jsonl",
      "manifest.json",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });

  it("is deterministic: the same input gives the same bytes", async () => {
    const base = mkdtempSync(join(tmpdir(), "cli-det-"));
    await importSource("voyager", join(FIXTURES, "voyager"), join(base, "a"));
    await importSource("voyager", join(FIXTURES, "voyager"), join(base, "b"));
    for (const f of ["library.jsonl", "items.jsonl", "replay-labels.jsonl", "manifest.json"]) {
      expect(readFileSync(join(base, "b", f), "utf8")).toBe(readFileSync(join(base, "a", f), "utf8"));
    }
  });

  it("refuses an unknown format, a missing path and an empty folder with CuratorErrors, leaving no output", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "cli-bad-")), "never");
    await expect(run({ format: "mem0", path: FIXTURES, out })).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(run({ format: "voyager", path: join(FIXTURES, "nope"), out })).rejects.toMatchObject({
      code: "FILE_NOT_FOUND",
    });
    await expect(run({ format: "agent-s", path: join(FIXTURES, "malformed/empty"), out })).rejects.toMatchObject({
      code: "INVALID_FILE",
      message: expect.stringMatching(/empty-file/),
    });
    expect(existsSync(out)).toBe(false);
  });
});
