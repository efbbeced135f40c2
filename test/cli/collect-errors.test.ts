/**
 * `curator collect` refuses bad input the way issue 2 asks: exit 2, one message naming the file / field / value,
 * no stack trace, and nothing left behind (no --out folder, no OUT.partial, no temp folders).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectUserError, leftovers, runCli, runCliJson } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-collect-errors-"));
const QUICK = ["--world", "tiny", "--executors", "weak", "--streams", "1", "--tasks", "20"];

const PROFILE = {
  name: "my-8b",
  baseSkill: -0.5,
  contextBudget: 4000,
  distraction: 0.4,
  utilization: 1.0,
  verification: 0.2,
  authoring: { rate: 0.5, genericRate: 0.4, meanTokens: 350, errorRate: 0.1 },
};

function jsonFile(name: string, value: unknown): string {
  const path = join(root, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

/** Runs collect with `args` into a fresh --out under `root` and checks the user-error contract. */
async function refused(name: string, args: string[], code: string, out = join(root, name)) {
  const r = await runCli(["collect", ...args, "--out", out]);
  const message = expectUserError(r, code);
  expect(leftovers(out)).toEqual([]);
  return message;
}

describe.concurrent("curator collect: bad input", () => {
  it("an unknown world preset is named, with the presets to choose from", async () => {
    const msg = await refused("unknown-world", [...QUICK, "--world", "tinyy"], "UNKNOWN_PRESET");
    expect(msg).toContain("'tinyy'");
    expect(msg).toContain("tiny");
  });

  it("an unknown executor preset is named", async () => {
    const msg = await refused("unknown-exec", [...QUICK, "--executors", "weak,stronk"], "UNKNOWN_PRESET");
    expect(msg).toContain("'stronk'");
  });

  it("a profile with a typo'd field names the file and the field", async () => {
    const { baseSkill, ...rest } = PROFILE;
    const file = jsonFile("typo.json", { ...rest, baseSkil: baseSkill });
    const msg = await refused("typo", [...QUICK, "--executors", file], "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain("baseSkil\"");
    expect(msg).toMatch(/baseSkill:/);
  });

  it("a profile with a missing field names the file and the field", async () => {
    const { verification: _v, ...rest } = PROFILE;
    const file = jsonFile("missing.json", rest);
    const msg = await refused("missing", [...QUICK, "--executors", file], "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toMatch(/\bverification\b/);
  });

  it("a nested typo in a world file is named by its path", async () => {
    const file = jsonFile("world-typo.json", { name: "w", families: 6, prices: { inputPerMtok: 3 } });
    const msg = await refused("world-typo", [...QUICK, "--world", file], "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain("inputPerMtok");
  });

  it.each([
    ["--streams", "-3"],
    ["--tasks", "-5"],
    ["--streams", "0"],
  ])("%s %s is refused, naming the flag", async (flag, value) => {
    const msg = await refused(`count${flag}${value}`, [...QUICK, flag, value], "INVALID_CONFIG");
    expect(msg).toContain(flag.slice(2));
  });

  it("a shard outside 0 ≤ i < n is refused", async () => {
    const msg = await refused("bad-shard", [...QUICK, "--shard", "2/2"], "INVALID_CONFIG");
    expect(msg).toContain("shard");
  });

  it("an --out under /proc is unwritable: exit 2, nothing left", async () => {
    const out = `/proc/curator-test-${process.pid}/out`;
    const msg = await refused("proc", QUICK, "UNWRITABLE_OUTPUT", out);
    expect(msg).toContain(out);
  });

  it("an --out below a regular file is unwritable: exit 2, nothing left", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "not a folder");
    const msg = await refused("below-file", QUICK, "UNWRITABLE_OUTPUT", join(file, "out"));
    expect(msg).toContain(file);
    expect(readFileSync(file, "utf8")).toBe("not a folder");
  });

  it.skipIf(process.getuid?.() === 0)("an --out in a read-only folder is unwritable (not testable as root)", async () => {
    const ro = join(root, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      await refused("ro", QUICK, "UNWRITABLE_OUTPUT", join(ro, "out"));
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it("a refused run leaves an existing dataset at --out untouched", async () => {
    const out = join(root, "existing");
    await runCliJson(["collect", ...QUICK, "--out", out]);
    const before = readFileSync(join(out, "decisions.parquet"));
    const r = await runCli(["collect", ...QUICK, "--executors", "nope", "--out", out]);
    expectUserError(r, "UNKNOWN_PRESET");
    expect(readFileSync(join(out, "decisions.parquet")).equals(before)).toBe(true);
    expect(leftovers(out)).toEqual(["existing"]);
  });
});
