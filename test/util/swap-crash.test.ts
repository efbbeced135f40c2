/**
 * Issue 15 point 3: a crash injected between any two steps of a folder swap (CURATOR_FAULT_AT kills the writer
 * with SIGKILL there) never loses the folder, its content or the user's files in it, and the next run restores
 * the newest complete version and says so. Before the fix a crash between the two renames left no folder at all.
 * The writer is a tiny script over the built toolkit (dist/), run as a child process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { SWAP_STEPS, describeSwapLeftovers, recoverSwap } from "../../src/util/swap.js";
import { OUTPUT_MARKER, SWAP_JOURNAL } from "../../src/util/output-folder.js";

const root = mkdtempSync(join(tmpdir(), "curator-swap-crash-"));
const ATOMIC_PATH = resolve("dist/util/atomic.js");
const ATOMIC = pathToFileURL(ATOMIC_PATH).href;
const script = join(root, "writer.mjs");
writeFileSync(
  script,
  `import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const { writeDirAtomic, writeFileAtomic, recoverOutput } = await import(${JSON.stringify(ATOMIC)});
const [mode, out, version] = process.argv.slice(2);
if (mode === "dir")
  await writeDirAtomic(out, { command: "eval" }, async (tmp) => {
    writeFileSync(join(tmp, "results.json"), version);
    mkdirSync(join(tmp, "plots"));
    writeFileSync(join(tmp, "plots", "a.svg"), version);
  });
else if (mode === "file") {
  if (!process.env.CURATOR_FAULT_AT) recoverOutput(out); // as export does before writing
  writeFileAtomic(out, version);
}
else recoverOutput(out);
`,
);

function writer(mode: "dir" | "file" | "recover", out: string, version = "", faultAt?: string) {
  if (!existsSync(ATOMIC_PATH)) throw new Error("run `npm run build` first");
  const env = { ...process.env, CURATOR_FAULT_AT: faultAt ?? "" };
  return spawnSync(process.execPath, [script, mode, out, version], { env, encoding: "utf8" });
}

/** Every hidden leftover beside `out`. */
const leftovers = (out: string) => readdirSync(dirname(out)).filter((e) => e.startsWith(`.${basename(out)}.tmp-`));

function expectComplete(out: string, version: string): void {
  expect(readFileSync(join(out, "results.json"), "utf8")).toBe(version);
  expect(readFileSync(join(out, "plots", "a.svg"), "utf8")).toBe(version);
  expect(JSON.parse(readFileSync(join(out, OUTPUT_MARKER), "utf8")).files).toEqual(["plots/a.svg", "results.json"]);
  expect(existsSync(join(out, SWAP_JOURNAL))).toBe(false);
  expect(leftovers(out)).toEqual([]);
}

function expectUserFiles(out: string): void {
  expect(readFileSync(join(out, "notes.md"), "utf8")).toBe("mine\n");
  expect(readFileSync(join(out, "plots", "mine.png"), "utf8")).toBe("mine too\n");
}

/** Steps after which the new version is complete (its marker written): recovery puts it in place. */
const AFTER_COMMIT = new Set<string>(SWAP_STEPS.slice(SWAP_STEPS.indexOf("swap:committed")));

describe("a crash at any step of replacing an earlier output", () => {
  for (const step of SWAP_STEPS) {
    it(`crash at ${step}: nothing is lost, the next run restores the newest complete version`, () => {
      const out = join(root, `replace-${step.replace(/\W/g, "-")}`);
      expect(writer("dir", out, "v1").status).toBe(0);
      writeFileSync(join(out, "notes.md"), "mine\n");
      writeFileSync(join(out, "plots", "mine.png"), "mine too\n");

      const crashed = writer("dir", out, "v2", step);
      expect(crashed.signal).toBe("SIGKILL");
      if (!existsSync(out)) expect(describeSwapLeftovers(out)).toMatch(/is missing.*previous version/);
      else expect(describeSwapLeftovers(out)).not.toBeNull();

      const next = writer("recover", out);
      expect(next.status, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/recovered '.*' after an interrupted write/);
      expectComplete(out, AFTER_COMMIT.has(step) ? "v2" : "v1");
      expectUserFiles(out);
      expect(describeSwapLeftovers(out)).toBeNull();

      expect(writer("dir", out, "v3").status).toBe(0);
      expectComplete(out, "v3");
      expectUserFiles(out);
    }, 30_000);
  }
});

describe("a crash while writing a new output", () => {
  for (const step of ["swap:built", "swap:committed"]) {
    it(`crash at ${step}: the next command writing it recovers and goes on`, () => {
      const out = join(root, `fresh-${step.replace(/\W/g, "-")}`);
      expect(writer("dir", out, "v1", step).signal).toBe("SIGKILL");
      const next = writer("dir", out, "v2");
      expect(next.status, next.stderr).toBe(0);
      expect(next.stderr).toMatch(/recovered/);
      expectComplete(out, "v2");
    }, 30_000);
  }

  it("crash after a temp file is written: the old file stays, the temp file is removed", () => {
    const file = join(root, "single.json");
    expect(writer("file", file, "old").status).toBe(0);
    expect(writer("file", file, "new", "file:written").signal).toBe("SIGKILL");
    expect(readFileSync(file, "utf8")).toBe("old");
    expect(leftovers(file)).toHaveLength(1);
    expect(writer("file", file, "newer").status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("newer");
    expect(leftovers(file)).toEqual([]);
  });
});

describe("leftovers of a running writer, and of toolkit versions before this one", () => {
  it("a live writer's temp folder is left alone (PID 1 always runs)", () => {
    const out = join(root, "live");
    mkdirSync(join(root, ".live.tmp-1-abcd"));
    expect(recoverSwap(out)).toEqual([]);
    expect(existsSync(join(root, ".live.tmp-1-abcd"))).toBe(true);
    expect(describeSwapLeftovers(out)).toMatch(/process 1 is writing it now/);
  });

  it("the reported case (old naming, crash between the two renames): the folder comes back", () => {
    const out = join(root, "K");
    mkdirSync(join(root, ".K.tmp-0a1b2c3d"));
    writeFileSync(join(root, ".K.tmp-0a1b2c3d", "audit.jsonl"), "new\n");
    mkdirSync(join(root, ".K.tmp-0a1b2c3d.old"));
    writeFileSync(join(root, ".K.tmp-0a1b2c3d.old", "audit.jsonl"), "old\n");
    expect(describeSwapLeftovers(out)).toMatch(/'.*K' itself is missing/);
    expect(recoverSwap(out)).toHaveLength(1);
    expect(readFileSync(join(out, "audit.jsonl"), "utf8")).toBe("new\n");
    expect(leftovers(out)).toEqual([]);
  });
});

describe("the CLI recovers before it reads: decide over a folder whose swap crashed (the reported case)", () => {
  const cli = (args: string[], faultAt = "") =>
    spawnSync(process.execPath, [resolve("dist/cli/main.js"), ...args], {
      env: { ...process.env, CURATOR_FAULT_AT: faultAt },
      encoding: "utf8",
    });

  it("K comes back with its whole history and the next pass continues it", async () => {
    const { importSource } = await import("../../src/import/run.js");
    const lib = join(root, "imported");
    await importSource("voyager", resolve("test/fixtures/real/voyager"), lib);
    const K = join(root, "K-decide");
    const decide = (library: string, faultAt = "") =>
      cli(["decide", "--model", "heuristic", "--library", library, "--executor", "mid", "--out", K, "--json"], faultAt);
    const first = decide(join(lib, "library.jsonl"));
    expect(first.status, first.stderr).toBe(0);
    const lines1 = JSON.parse(first.stdout).written.auditLines as number;
    const audit1 = readFileSync(join(K, "audit.jsonl"), "utf8");

    expect(decide(join(K, "library.jsonl"), "swap:old-set-aside").signal).toBe("SIGKILL");
    expect(existsSync(K)).toBe(false);
    rmSync(`${K}.lock`, { recursive: true, force: true }); // the crashed pass's lock (see the lock's own message)

    const next = decide(join(K, "library.jsonl"));
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /recovered '.*K-decide' after an interrupted write: put the complete new version in place/,
    );
    expect(JSON.parse(next.stdout).written.auditLines).toBeGreaterThan(lines1);
    expect(readFileSync(join(K, "audit.jsonl"), "utf8").startsWith(audit1)).toBe(true); // the history holds
    expect(leftovers(K)).toEqual([]);
  }, 120_000);
});
