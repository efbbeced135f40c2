/** `curator decide` with the harness's own executor statistics, its warnings, the review views, and `--version`. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { executorObservation } from "../../src/features/executor-stats.js";

const ROOT = process.cwd();
const CLI = join(ROOT, "dist/cli/main.js");
const run = (args: string[], cwd = ROOT) => spawnSync("node", [CLI, ...args], { encoding: "utf8", cwd });

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli/main.js is missing: run `npm run build`.");
});

const LIB = [
  {
    id: "failing",
    kind: "skill",
    content: "def parse(p): return p.split(',')",
    stats: { createdAt: 0, lastRetrievedAt: 90, timesRetrieved: 12, successes: 1, failures: 11, recentFailures: 5 },
  },
  {
    id: "good",
    kind: "skill",
    content: "use retries with backoff",
    stats: { createdAt: 5, lastRetrievedAt: 99, timesRetrieved: 40, successes: 36, failures: 4 },
  },
  { id: "fresh", kind: "context", content: "the staging host is stg-2" },
];
const STATS = {
  name: "my-agent",
  contextBudget: 6000,
  tasks: [true, false, true, true, false, true].map((success, i) => ({ success, contextTokens: 1000 + 300 * i })),
};

function files(): { lib: string; stats: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "decide-harness-"));
  writeFileSync(join(dir, "lib.jsonl"), LIB.map((l) => JSON.stringify(l)).join("\n") + "\n");
  writeFileSync(join(dir, "stats.json"), JSON.stringify(STATS));
  return { lib: join(dir, "lib.jsonl"), stats: join(dir, "stats.json"), dir };
}

describe("decide --executor-stats", { timeout: 300_000 }, () => {
  it("uses the harness's statistics, folded as training folds them, and warns about nothing", () => {
    const f = files();
    const r = run([
      "decide",
      "--model",
      "models/default/curator.onnx",
      "--library",
      f.lib,
      "--executor-stats",
      f.stats,
      "--dry-run",
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.executorObservation).toEqual(executorObservation(STATS));
    expect(j.executorSources).toEqual({ successRate: "harness", contextBudget: "harness", budgetUse: "harness" });
    expect(j.executor).toBe("my-agent");
    expect(j.warnings.some((w: string) => w.startsWith("executor statistics"))).toBe(false);
    expect(r.stderr).not.toContain("executor statistics not supplied");
    expect(Array.isArray(j.outOfDistribution)).toBe(true);
  });

  it("a preset is only a fallback: a warning on stderr and in --json; neither given is a clear error", () => {
    const f = files();
    const r = run(["decide", "--model", "heuristic", "--library", f.lib, "--executor", "mid", "--dry-run", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.warnings[0]).toMatch(/^executor statistics not supplied by the harness: .*profile 'mid'/);
    expect(r.stderr).toContain("curator: warning: executor statistics not supplied by the harness");
    expect(j.outOfDistribution).toBeNull();
    const none = run(["decide", "--model", "heuristic", "--library", f.lib, "--dry-run"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/\[BAD_ARGUMENT\].*--executor-stats FILE/);
  });

  it("a malformed statistics file names the file and the field", () => {
    const f = files();
    writeFileSync(f.stats, JSON.stringify({ contextBudget: 6000, tasks: [{ success: true, contextTokens: -1 }] }));
    const r = run(["decide", "--model", "heuristic", "--library", f.lib, "--executor-stats", f.stats, "--dry-run"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("[INVALID_CONFIG]");
    expect(r.stderr).toContain(f.stats);
    expect(r.stderr).toContain("tasks.0.contextTokens");
  });

  it("--changes-only hides the keeps in a dry run", () => {
    const f = files();
    const r = run([
      "decide",
      "--model",
      "heuristic",
      "--library",
      f.lib,
      "--executor-stats",
      f.stats,
      "--dry-run",
      "--changes-only",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^failing\s+retire/m);
    expect(r.stdout).not.toMatch(/^good\s+keep/m);
    expect(r.stdout).toMatch(/\(\d+ kept item\(s\) not shown\)/);
  });
});

describe("curator --version", { timeout: 120_000 }, () => {
  it("prints this package's version, not the host project's (failed before: yargs read the nearest package.json)", () => {
    const host = mkdtempSync(join(tmpdir(), "host-"));
    writeFileSync(join(host, "package.json"), JSON.stringify({ name: "host", version: "9.9.9" }));
    const r = run(["--version"], host);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});

describe("decide --no-structural-rules", { timeout: 300_000 }, () => {
  it("structural rules are on by default (a copy retires, naming the kept item) and off with the flag", () => {
    const dir = mkdtempSync(join(tmpdir(), "decide-rules-"));
    const copy = { id: "copy", kind: "context", content: "The staging host is  STG-2", stats: { createdAt: 8 } };
    writeFileSync(join(dir, "lib.jsonl"), [...LIB, copy].map((l) => JSON.stringify(l)).join("\n") + "\n");
    const args = ["decide", "--model", "none", "--library", join(dir, "lib.jsonl"), "--executor", "mid"];
    const on = run([...args, "--dry-run", "--json"]);
    expect(on.status).toBe(0);
    // "copy" is older (createdAt 8; "fresh" logs none), so it is the one kept
    const dOn = JSON.parse(on.stdout).decisions.find((d: { id: string }) => d.id === "fresh");
    expect(dOn.action).toBe("retire");
    expect(dOn.reason).toMatch(/^structural rule: exact duplicate of copy/);
    const off = run([...args, "--dry-run", "--json", "--no-structural-rules"]);
    expect(off.status).toBe(0);
    expect(JSON.parse(off.stdout).decisions.every((d: { action: string }) => d.action === "keep")).toBe(true);
  });
});
