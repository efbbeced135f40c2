/** A finished run removes its scratch folder only when the toolkit left it there (it holds the fingerprint). */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeScratch } from "../../src/util/scratch.js";

describe("removeScratch", () => {
  const root = mkdtempSync(join(tmpdir(), "curator-scratch-"));

  it("removes a scratch folder holding the toolkit's own file", () => {
    const dir = join(root, "ours.partial");
    mkdirSync(dir);
    writeFileSync(join(dir, "options.sha256"), "x");
    writeFileSync(join(dir, "stream-0.jsonl"), "{}");
    removeScratch(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it("leaves a user's folder of that name alone, whatever it holds", () => {
    const dir = join(root, "users.partial");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    removeScratch(dir);
    removeScratch(dir, "checkpoint.json");
    expect(existsSync(join(dir, "notes.txt"))).toBe(true);
  });
});
