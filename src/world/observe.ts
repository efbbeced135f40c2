/** What a harness could log about a SkillWorld library: observations, features and governance masks. */
import {
  featurize,
  type ItemObservation,
  type ExecutorObservation,
  type LibraryObservation,
} from "../features/featurizer.js";
import { governanceMasks } from "../governance/rules.js";
import type { DecisionBatch } from "../curators/types.js";
import type { SkillWorld } from "./world.js";
import { recentCounts } from "./item.js";
import { hash01 } from "../util/rng.js";
import { NEAR_DUPLICATE_THRESHOLD } from "../text/similarity.js";
import { RELEVANCE_UNKNOWN } from "../features/content.js";
import { worldCoreShare, worldRelevance } from "./content.js";

/**
 * Hidden pairwise similarity, standing in for MinHash over contents: items serving the same family read
 * alike, generic items read alike, others share little. Stable per pair.
 */
function similarity(a: { id: number; family: number }, b: { id: number; family: number }): number {
  const h = hash01(Math.min(a.id, b.id), Math.max(a.id, b.id), 0x5151);
  if (a.family === b.family) return a.family < 0 ? 0.3 + 0.45 * h : 0.35 + 0.6 * h;
  return 0.02 + 0.2 * h;
}

export function observeWorld(world: SkillWorld): {
  items: ItemObservation[];
  executor: ExecutorObservation;
  library: LibraryObservation;
} {
  const ex = world.currentExecutor;
  const t = world.step;
  const its = world.items;
  const maxSim = new Float64Array(its.length);
  const dups = new Int32Array(its.length);
  for (let i = 0; i < its.length; i++)
    for (let j = i + 1; j < its.length; j++) {
      const s = similarity(its[i], its[j]);
      if (s > maxSim[i]) maxSim[i] = s;
      if (s > maxSim[j]) maxSim[j] = s;
      if (s >= NEAR_DUPLICATE_THRESHOLD) {
        dups[i]++;
        dups[j]++;
      }
    }
  const callers = new Map<number, number>();
  for (const it of its) if (it.calls >= 0) callers.set(it.calls, (callers.get(it.calls) ?? 0) + 1);
  let totalTokens = 0;
  const items = its.map((it, i): ItemObservation => {
    totalTokens += it.tokens;
    const age = Math.max(0, t - it.createdAt);
    const rc = recentCounts(it, world.cfg.recentWindow);
    return {
      age,
      sinceRetrieved: it.lastRetrievedAt < 0 ? age : t - it.lastRetrievedAt,
      timesRetrieved: it.timesRetrieved,
      successes: it.successes,
      failures: it.failures,
      recentSuccesses: rc.s,
      recentFailures: rc.f,
      helpful: it.helpful,
      harmful: it.harmful,
      tokens: it.tokens,
      isSkill: it.isSkill,
      rewrites: it.rewrites,
      compressions: it.compressions,
      authorIsCurrent: it.author === ex,
      writtenAfterFailure: it.writtenAfterFailure,
      maxSimilarity: maxSim[i],
      nearDuplicates: dups[i],
      relevance: worldRelevance(it, world.recentFamilies, t, world.seed) ?? RELEVANCE_UNKNOWN,
      referencedBy: callers.get(it.id) ?? 0,
      placeholder: it.placeholder,
      shortGeneric: it.shortGeneric,
      coreShare: worldCoreShare(it, world.seed),
    };
  });
  return {
    items,
    executor: {
      successRate: world.execSuccess[ex],
      contextBudget: world.executors[ex].contextBudget,
      budgetUse: world.execBudgetUse[ex],
    },
    library: { size: its.length, totalTokens },
  };
}

export function decisionBatch(world: SkillWorld, privileged?: unknown): DecisionBatch {
  const obs = observeWorld(world);
  const masks = governanceMasks(
    world.items.map((it, i) => ({
      pinned: false,
      tags: [],
      kind: it.isSkill ? ("skill" as const) : ("context" as const),
      age: obs.items[i].age,
    })),
    world.cfg.governance,
  );
  return {
    rows: obs.items.length,
    features: featurize(obs.items, obs.executor, obs.library),
    masks,
    items: obs.items,
    executor: obs.executor,
    privileged,
  };
}
