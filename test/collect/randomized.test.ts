/**
 * Collecting on sampled executors and worlds (issue 18): the manifest records the draws, the same spec gives the
 * same bytes, shards record the same draws, and a bad combination is refused before anything is written.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { sampleExecutors } from "../../src/executors/sampler.js";
import { drawWorldFields } from "../../src/world/sampler.js";
import { evaluate } from "../../src/eval/evaluate.js";
import { trainedOnLabel } from "../../src/eval/plots.js";
import { ExperimentSchema } from "../../src/experiments/schema.js";
import { isCuratorError } from "../../src/errors.js";

const root = mkdtempSync(join(tmpdir(), "curator-randomized-"));
const BASE = { world: "sample@seed=4", executors: "sample:3@seed=2", streams: 4, tasks: 30, seed: 5 } as const;
const read = (dir: string, f: string) => readFileSync(join(dir, f));
const manifest = (dir: string) => JSON.parse(read(dir, "manifest.json").toString("utf8"));

beforeAll(async () => {
  await collect({ ...BASE, out: join(root, "a") });
  await collect({ ...BASE, out: join(root, "b") });
  await collect({ ...BASE, shard: "1/2", out: join(root, "shard1") });
});

describe("collect on sampled executors and worlds", () => {
  it("re-collecting the same specs gives the same bytes", () => {
    for (const f of ["manifest.json", "decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(read(join(root, "b"), f).equals(read(join(root, "a"), f)), f).toBe(true);
  });

  it("the manifest records every drawn profile and every stream's world", () => {
    const m = manifest(join(root, "a"));
    expect(m.executors).toEqual(sampleExecutors("sample:3@seed=2"));
    expect(m.world.sampler).toBe("sample:train@seed=4");
    expect(m.world.draws).toEqual(
      [0, 1, 2, 3].map((s) => ({ stream: s, ...drawWorldFields({ region: "train", seed: 4 }, s) })),
    );
  });

  it("a shard records the same executors and world as the whole run (so shards merge)", () => {
    const [a, s] = [manifest(join(root, "a")), manifest(join(root, "shard1"))];
    expect(s.world).toEqual(a.world);
    expect(s.executors).toEqual(a.executors);
  });

  it("a sampled world with one executor is refused before anything is written", async () => {
    const out = join(root, "one");
    const err = await collect({ ...BASE, executors: "mid", out }).catch((e) => e);
    expect(isCuratorError(err) && err.code).toBe("BAD_ARGUMENT");
    expect(String(err.message)).toMatch(/two executors or more/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("eval on sampled executors", () => {
  it("reports each draw and one pooled row per spec", async () => {
    const res = await evaluate({
      curators: ["heuristic"],
      executors: ["mid", "sample:2:holdout@seed=3"],
      streams: 1,
      tasks: 30,
      seeds: [1],
    });
    const pooled = res.results.filter((r) => r.executor === "sample:2:holdout@seed=3");
    expect(pooled.map((r) => r.curator).sort()).toEqual(["heuristic", "none", "oracle"]);
    expect(pooled.every((r) => r.draws === 2 && r.streams === 2)).toBe(true);
    for (const c of ["heuristic", "none"]) {
      const draws = res.results.filter((r) => r.curator === c && r.drawOf === "sample:2:holdout@seed=3");
      expect(draws.map((r) => r.executor)).toEqual(["holdout3-000", "holdout3-001"]);
      const p = pooled.find((r) => r.curator === c)!;
      expect(p.tasks).toBe(draws[0].tasks + draws[1].tasks);
      const pooledRate = (draws[0].successRate * draws[0].tasks + draws[1].successRate * draws[1].tasks) / p.tasks;
      expect(p.successRate).toBeCloseTo(pooledRate, 12);
    }
    expect(res.results.find((r) => r.executor === "mid")?.drawOf).toBeUndefined();
  });
});

describe("report labels", () => {
  it("a model trained on 64 draws is labelled by its spec, not 64 names", () => {
    const names = [...sampleExecutors("sample:64@seed=1").map((p) => p.name), "weak"];
    expect(trainedOnLabel(names)).toBe("weak+64 draws of sample@seed=1");
    expect(trainedOnLabel(["weak", "mid"])).toBe("weak+mid");
  });
});

describe("experiment files", () => {
  const exp = (world: string, runWorld?: string) => ({
    name: "x",
    claim: "c",
    world,
    runs: [{ name: "r", collect: { executors: "sample:8", ...(runWorld ? { world: runWorld } : {}) }, train: {} }],
    eval: { executors: ["mid", "sample:4:holdout"] },
    out: "o",
  });
  it("train on sampled worlds in a run, evaluate on a fixed world; a sampled eval world is refused up front", () => {
    expect(ExperimentSchema.safeParse(exp("default", "sample@seed=2")).success).toBe(true);
    const bad = ExperimentSchema.safeParse(exp("sample"));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].message).toMatch(/runs\[i\]\.collect\.world/);
  });
});
