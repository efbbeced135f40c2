import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { readDataset, writeDataset } from "../../src/data/dataset.js";
import { featurize, NUM_FEATURES } from "../../src/features/featurizer.js";
import { offPolicyEvaluate } from "../../src/ope/ope.js";
import { executorFromFeatures, itemFromFeatures } from "../../src/ope/observations.js";
import { opeResultsJson } from "../../src/ope/report.js";
import { expectUserError, leftovers, runCli } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-ope-"));
const data = join(root, "logged");
const old = join(root, "old");

beforeAll(async () => {
  await collect({ world: "tiny", executors: "weak,strong", streams: 3, tasks: 60, seed: 1, epsilon: 0.3, out: data });
  // A dataset as collected before propensities were logged: the same tables without the optional columns.
  const d = await readDataset(data);
  const strip = Object.fromEntries(Object.entries(d.decisions).filter(([k]) => !k.startsWith("propensity")));
  const { files: _f, rows: _r, ...m } = d.manifests[0];
  await writeDataset(old, m, {
    decisions: { columns: strip as never, rows: _r.decisions },
    tasks: { columns: d.tasks as never, rows: _r.tasks },
  });
}, 120_000);

describe("curator ope", () => {
  it("logs propensities that sum to one per row and give the logged action a positive probability", async () => {
    const c = (await readDataset(data)).decisions;
    const n = (c.action as Int32Array).length;
    for (let r = 0; r < n; r++) {
      const p = ["keep", "compress", "rewrite", "retire"].map((a) => (c[`propensity_${a}`] as Float64Array)[r]);
      expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      expect((c.propensity as Float64Array)[r]).toBe(p[(c.action as Int32Array)[r]]);
      expect((c.propensity as Float64Array)[r]).toBeGreaterThan(0);
    }
  });

  it("recovers the observations rule-based curators read from the logged features", async () => {
    const c = await readDataset(data);
    const rows = Math.min(200, (c.decisions.action as Int32Array).length);
    const f = new Float32Array(rows * NUM_FEATURES);
    const { FEATURE_NAMES } = await import("../../src/features/featurizer.js");
    FEATURE_NAMES.forEach((name, k) => {
      const col = c.decisions[`f_${name}`] as Float32Array;
      for (let r = 0; r < rows; r++) f[r * NUM_FEATURES + k] = col[r];
    });
    for (let r = 0; r < rows; r++) {
      const again = featurize([itemFromFeatures(f, r)], executorFromFeatures(f, r), {
        size: Math.round(Math.expm1(f[r * NUM_FEATURES + FEATURE_NAMES.indexOf("lib_size_log")])),
        totalTokens: Math.round(Math.expm1(f[r * NUM_FEATURES + FEATURE_NAMES.indexOf("lib_tokens_log")])),
      });
      for (let k = 0; k < NUM_FEATURES; k++)
        expect([FEATURE_NAMES[k], again[k]]).toEqual([FEATURE_NAMES[k], expect.closeTo(f[r * NUM_FEATURES + k], 3)]);
    }
  });

  it("estimates every curator with CIs, the same bytes under a seed", async () => {
    const opts = { data, curators: ["heuristic", "none"], bootstrap: 30, seed: 3 };
    const a = await offPolicyEvaluate(opts);
    const b = await offPolicyEvaluate(opts);
    expect(opeResultsJson(a)).toBe(opeResultsJson(b));
    const c = await offPolicyEvaluate({ ...opts, seed: 4 });
    expect(c.curators[0].estimates.dr.value).toBe(a.curators[0].estimates.dr.value);
    expect(c.curators[0].estimates.dr.ci).not.toEqual(a.curators[0].estimates.dr.ci);
    for (const cur of a.curators)
      for (const e of Object.values(cur.estimates)) {
        expect(Number.isFinite(e.value)).toBe(true);
        expect(e.ci![0]).toBeLessThanOrEqual(e.ci![1]);
      }
    // The behaviour's own deterministic part matches most logged actions; append-only matches fewer.
    expect(a.curators[0].diagnostics.matchShare).toBeGreaterThan(a.curators[1].diagnostics.matchShare);
  }, 60_000);

  it("CLI refuses a dataset without propensities, naming the column and the fix, and writes nothing", async () => {
    const out = join(root, "ope-old");
    const r = await runCli(["ope", "--data", old, "--curators", "heuristic", "--out", out]);
    const msg = expectUserError(r, "INVALID_FILE");
    expect(msg).toMatch(/lacks column 'propensity'/);
    expect(msg).toMatch(/Re-collect/);
    expect(leftovers(out)).toEqual([]);
  });

  it("CLI writes results.json and report.md into an owned folder", async () => {
    const out = join(root, "ope-out");
    const r = await runCli([
      "ope",
      "--data",
      data,
      "--curators",
      "heuristic,random",
      "--bootstrap",
      "20",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(results.curators.map((c: { curator: string }) => c.curator)).toEqual(["heuristic", "random"]);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/\| heuristic \|/);
    const again = await runCli(["ope", "--data", data, "--curators", "oracle", "--out", out]);
    expect(expectUserError(again)).toMatch(/oracle/);
  });
});
