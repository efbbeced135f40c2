/**
 * `curator collect` refuses bad input the way issue 2 asks: exit 2, one message naming the file / field / value,
 * no stack trace, and nothing left behind (no --out folder, no OUT.partial, no temp folders).
 *
 * One CLI run per kind of mistake proves the exit-code / stderr contract; the variations of each kind are
 * checked on the programmatic API (the CLI is a thin layer over it), which is much cheaper than a process each.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect, type CollectOptions } from "../../src/collect/collect.js";
import { expectApiRefusal, expectUserError, leftovers, runCli } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-collect-errors-"));
const QUICK = { world: "tiny", executors: "weak", streams: "1", tasks: "20" };

/** CLI args for a quick collect, with some flags overridden (each flag given once). */
const argv = (over: Record<string, string> = {}) =>
  Object.entries({ ...QUICK, ...over }).flatMap(([k, v]) => [`--${k}`, v]);

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

/** Runs `curator collect` into `out` (default: a fresh folder named `name`) and checks the user-error contract. */
async function refusedByCli(name: string, over: Record<string, string>, code: string, out = join(root, name)) {
  const r = await runCli(["collect", ...argv(over), "--out", out]);
  const message = expectUserError(r, code);
  expect(leftovers(out)).toEqual([]);
  return message;
}

/** Runs collect() and returns the CuratorError it throws (checking its code and that nothing was left). */
async function refusedByApi(name: string, over: Partial<CollectOptions>, code: string): Promise<string> {
  const out = join(root, name);
  const opts = { world: "tiny", executors: "weak", streams: 1, tasks: 20, out, ...over } as CollectOptions;
  return expectApiRefusal(collect(opts), code, out);
}

describe.concurrent("curator collect: bad input (CLI)", () => {
  it("an unknown world preset is named, with the presets to choose from", async () => {
    const msg = await refusedByCli("unknown-world", { world: "tinyy" }, "UNKNOWN_PRESET");
    expect(msg).toContain("'tinyy'");
    expect(msg).toMatch(/default, fast-drift, shared, tiny/);
  });

  it("a profile with a typo'd field names the file and the field", async () => {
    const { baseSkill, ...rest } = PROFILE;
    const file = jsonFile("typo.json", { ...rest, baseSkil: baseSkill });
    const msg = await refusedByCli("typo", { executors: file }, "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain('"baseSkil"');
  });

  it("a profile with a missing field names the file and the field", async () => {
    const { verification: _v, ...rest } = PROFILE;
    const file = jsonFile("missing.json", rest);
    const msg = await refusedByCli("missing", { executors: file }, "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toMatch(/\bverification\b/);
  });

  it("a negative --streams is refused, naming the flag", async () => {
    const msg = await refusedByCli("negative", { streams: "-3" }, "BAD_ARGUMENT");
    expect(msg).toMatch(/--streams '-3': Too small/);
  });

  it("an --out under /proc is unwritable: exit 2, nothing left (this used to hang in a recursive mkdir)", async () => {
    const out = `/proc/curator-test-${process.pid}/out`;
    const msg = await refusedByCli("proc", {}, "UNWRITABLE_OUTPUT", out);
    expect(msg).toContain(out);
  });

  it("an --out below a regular file is unwritable: exit 2, the file untouched", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "not a folder");
    const msg = await refusedByCli("below-file", {}, "UNWRITABLE_OUTPUT", join(file, "out"));
    expect(msg).toContain(file);
    expect(readFileSync(file, "utf8")).toBe("not a folder");
    expect(leftovers(file)).toEqual(["a-file"]);
  });
});

describe("collect(): the variations, on the API", () => {
  it("an unknown executor preset is named", async () => {
    expect(await refusedByApi("unknown-exec", { executors: "weak,stronk" }, "UNKNOWN_PRESET")).toContain("'stronk'");
  });

  it("a profile typo anywhere (nested in authoring) is named by its path", async () => {
    const file = jsonFile("nested.json", { ...PROFILE, authoring: { ...PROFILE.authoring, meanTokenz: 9 } });
    const msg = await refusedByApi("nested", { executors: `weak,${file}` }, "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain("authoring");
    expect(msg).toContain("meanTokenz");
  });

  it("a world file with a typo'd field is named", async () => {
    const file = jsonFile("world-typo.json", { name: "w", families: 6, prices: { inputPerMtok: 3 } });
    const msg = await refusedByApi("world-typo", { world: file }, "INVALID_CONFIG");
    expect(msg).toContain(file);
    expect(msg).toContain("inputPerMtok");
  });

  it("a profile file that does not exist is named", async () => {
    const msg = await refusedByApi("no-profile", { executors: join(root, "nope.json") }, "FILE_NOT_FOUND");
    expect(msg).toContain(join(root, "nope.json"));
  });

  it.each([
    ["streams", { streams: 0 }],
    ["tasks", { tasks: -5 }],
    ["epsilon", { epsilon: 1.5 }],
    ["shard", { shard: "2/2" }],
    ["shard", { shard: "one/two" }],
  ] as const)("a bad %s is refused by name (%j)", async (field, over) => {
    expect(await refusedByApi(`bad-${field}-${JSON.stringify(over).length}`, over, "INVALID_CONFIG")).toContain(field);
  });

  it.skipIf(process.getuid?.() === 0)(
    "an --out in a read-only folder is unwritable (not testable as root)",
    async () => {
      const ro = join(root, "read-only");
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      try {
        await refusedByApi("read-only/out", {}, "UNWRITABLE_OUTPUT");
      } finally {
        chmodSync(ro, 0o755);
      }
    },
  );

  it("a refused run leaves an existing dataset at --out untouched", async () => {
    const out = join(root, "existing");
    await collect({ world: "tiny", executors: "weak", streams: 1, tasks: 20, out });
    const before = readFileSync(join(out, "decisions/part-00000.parquet"));
    await expect(collect({ world: "tiny", executors: "nope", streams: 1, tasks: 20, out })).rejects.toMatchObject({
      code: "UNKNOWN_PRESET",
    });
    expect(readFileSync(join(out, "decisions/part-00000.parquet")).equals(before)).toBe(true);
    expect(leftovers(out)).toEqual(["existing"]);
  });
});
