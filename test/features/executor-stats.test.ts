/** One task history gives the same executor features through the simulator and through `decide` (issue 13). */
import { describe, expect, it } from "vitest";
import { SkillWorld } from "../../src/world/world.js";
import { observeWorld } from "../../src/world/observe.js";
import { resolveWorld } from "../../src/world/presets.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { executorObservation, EXEC_STAT_PRIOR } from "../../src/features/executor-stats.js";
import { featurize } from "../../src/features/featurizer.js";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { noneCurator } from "../../src/curators/baselines.js";
import type { Curator, DecisionBatch } from "../../src/curators/types.js";
import { ExecutorStatsSchema, type ExecutorTask } from "../../src/schemas/executor-stats.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const mid = structuredClone(EXECUTOR_PRESETS.mid) as never as (typeof EXECUTOR_PRESETS)["mid"];

/** Runs the simulated world and records the task history a harness would log. */
function simulate(tasks: number): { world: SkillWorld; history: ExecutorTask[] } {
  const cfg = resolveWorld("tiny");
  const world = new SkillWorld(cfg, [mid as never], 7);
  const history: ExecutorTask[] = [];
  for (let t = 0; t < tasks; t++) {
    const r = world.runTask();
    history.push({ success: r.success, contextTokens: r.promptTokens + r.cachedTokens - cfg.promptOverheadTokens });
  }
  return { world, history };
}

const LIB: LibraryItem[] = [
  {
    id: "a",
    kind: "skill",
    content: "retry with backoff",
    stats: { createdAt: 0, lastRetrievedAt: 30, timesRetrieved: 9, successes: 6, failures: 3 },
  },
  { id: "b", kind: "context", content: "use the v2 deploy api", stats: { createdAt: 12 } },
];

describe("executor statistics: one definition", () => {
  it("the simulator's running statistics equal executorObservation over the same task history, bit for bit", () => {
    const { world, history } = simulate(60);
    const sim = observeWorld(world).executor;
    const prior = { successRate: 1 / (1 + Math.exp(-mid.baseSkill)), budgetUse: 0.5 }; // where the world starts
    const fromHistory = executorObservation({ contextBudget: mid.contextBudget, tasks: history, prior });
    expect(fromHistory).toEqual(sim);
    expect(history.some((t) => t.success) && history.some((t) => !t.success)).toBe(true);
    // A different history gives different statistics (the test can fail).
    expect(executorObservation({ contextBudget: mid.contextBudget, tasks: history.slice(1), prior })).not.toEqual(sim);
  });

  it("decide with the harness's history feeds the curator exactly the simulator's executor features", async () => {
    const { world, history } = simulate(60);
    const sim = observeWorld(world).executor;
    const prior = { successRate: 1 / (1 + Math.exp(-mid.baseSkill)), budgetUse: 0.5 };
    const stats = ExecutorStatsSchema.parse({ contextBudget: mid.contextBudget, tasks: history, prior });
    let seen: DecisionBatch | undefined;
    const capture: Curator = { name: "capture", probs: (b) => ((seen = b), noneCurator.probs(b)) };
    const r = await decideWithCurator(capture, "h", LIB, undefined, { executorStats: executorObservation(stats) });
    expect(seen!.executor).toEqual(sim);
    expect(r.executorSources).toEqual({ successRate: "harness", contextBudget: "harness", budgetUse: "harness" });
    expect(r.warnings.filter((w) => w.startsWith("executor statistics"))).toEqual([]);
    // Every feature, executor ones included, equals the featurizer over the simulator's executor observation.
    const want = featurize(seen!.items, sim, {
      size: LIB.length,
      totalTokens: seen!.items.reduce((t, o) => t + o.tokens, 0),
    });
    expect(Array.from(seen!.features)).toEqual(Array.from(want));
  });

  it("without harness statistics decide says what it fell back on; without a profile it refuses", async () => {
    const r = await decideWithCurator(noneCurator, "h", LIB, "mid");
    expect(r.executorSources).toEqual({ successRate: "profile", contextBudget: "profile", budgetUse: "library" });
    expect(r.warnings[0]).toMatch(
      /executor statistics not supplied by the harness: success rate 50% assumed from profile 'mid'.*context budget 4000 from profile 'mid'.*--executor-stats/,
    );
    await expect(decideWithCurator(noneCurator, "h", LIB, undefined)).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
  });

  it("the stats file schema refuses unknown fields and an empty history without a prior", () => {
    expect(ExecutorStatsSchema.safeParse({ contextBudget: 4000, tasks: [], extra: 1 }).success).toBe(false);
    expect(ExecutorStatsSchema.safeParse({ contextBudget: 4000, tasks: [] }).success).toBe(false);
    expect(ExecutorStatsSchema.safeParse({ contextBudget: 4000, tasks: [{ success: true }] }).success).toBe(false);
    expect(executorObservation({ contextBudget: 4000, tasks: [], prior: EXEC_STAT_PRIOR })).toEqual({
      successRate: 0.5,
      contextBudget: 4000,
      budgetUse: 0.5,
    });
  });
});
