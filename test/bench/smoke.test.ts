/**
 * A tiny run of the bench harness (`--quick`): checks the `--json` contract and that every benchmark is
 * there, never timings (they depend on the machine).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../dist/bench/main.js", import.meta.url));
const KEYS = ["name", "value", "unit", "peer", "peerValue", "speedup"];

/** The benchmarks `--quick --json [--only NAME]` prints. */
function runBench(only: string | undefined, timeout: number): { benchmarks: Record<string, unknown>[] } {
  const args = [MAIN, "--quick", ...(only ? ["--only", only] : []), "--json"];
  return JSON.parse(
    execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout }),
  );
}

describe("npm run bench -- --quick --json", () => {
  it("prints exactly {benchmarks: [{name, value, unit, peer, peerValue, speedup}]} with every benchmark", () => {
    const doc = runBench(undefined, 110_000);
    expect(Object.keys(doc)).toEqual(["benchmarks"]);
    for (const b of doc.benchmarks) {
      expect(Object.keys(b)).toEqual(KEYS);
      expect(typeof b.name).toBe("string");
      expect(typeof b.unit).toBe("string");
      expect(typeof b.value).toBe("number");
      expect(Number.isFinite(b.value) && (b.value as number) > 0).toBe(true);
      expect(b.peer === null || typeof b.peer === "string").toBe(true);
      expect(b.peerValue === null || typeof b.peerValue === "number").toBe(true);
      // A ratio exists exactly when a peer was measured.
      expect(b.speedup === null).toBe(b.peerValue === null);
      if (b.speedup !== null) expect(b.speedup as number).toBeGreaterThan(0);
    }
    const names = doc.benchmarks.map((b) => b.name as string);
    for (const n of ["collect.tasks", "train.samples", "infer.single", "parquet.write", "parquet.read"])
      expect(names).toContain(n);
    expect(names.some((n) => n.startsWith("infer.library"))).toBe(true);
    for (const kind of ["scale.collect@", "scale.train@", "memory.collect@", "memory.train@"])
      expect(names.filter((n) => n.startsWith(kind)).length).toBe(2);
    // Peers that are always available are always measured.
    const byName = Object.fromEntries(doc.benchmarks.map((b) => [b.name, b]));
    for (const n of ["infer.single", "parquet.write", "parquet.read"]) expect(byName[n].peer).not.toBeNull();
  }, 120_000);

  it("--only train.flat trains 20k rows streamed in 4,096-row windows (with --quick), reporting peak RSS and rows/s", () => {
    const { benchmarks } = runBench("train.flat", 110_000) as { benchmarks: { name: string; value: number }[] };
    const rows = benchmarks;
    expect(rows.map((b) => b.name)).toEqual(["memory.train.flat@20k", "train.flat.rows@20k"]);
    for (const b of rows) expect(b.value).toBeGreaterThan(0);
  });

  it("--only decide.1m runs just the decide benchmark (5k items with --quick)", () => {
    const { benchmarks } = runBench("decide.1m", 110_000) as { benchmarks: { name: string; value: number }[] };
    const names = benchmarks.map((b) => b.name);
    expect(names).toEqual(["decide.5k.dry-run", "memory.decide.5k.dry-run", "decide.5k.out", "memory.decide.5k.out"]);
  }, 120_000);

  it("--only decide.passes re-decides a folder (2k items, 3 passes with --quick), then verifies it", () => {
    const { benchmarks } = runBench("decide.passes", 170_000) as { benchmarks: { name: string; value: number }[] };
    const rows = benchmarks;
    expect(rows.map((b) => b.name)).toEqual([
      "decide.passes.2k.pass",
      "decide.passes.2k.audit",
      "decide.passes.2k.verify",
      "memory.decide.passes.2k.pass",
      "memory.decide.passes.2k.verify",
    ]);
    // Every pass is a new evidence window, so every live item writes a line (~700 bytes) in each of the 3
    // passes: megabytes, where 3 pass lines alone would be a few kB.
    expect(rows[1].value).toBeGreaterThan(0.002);
  }, 180_000);
});
