/**
 * The observations a rule-based curator reads (heuristic, the literature baselines), recovered from a logged
 * feature vector: the featurizer (features/featurizer.ts) is invertible on the fields those curators use, up to
 * float32 rounding, which the counts absorb by rounding to integers. A learned curator reads the features
 * themselves and does not need this.
 */
import { FEATURE_NAMES, NUM_FEATURES, type FeatureName } from "../features/featurizer.js";
import type { ExecutorObservation, ItemObservation } from "../features/featurizer.js";

const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;
const count = (x: number) => Math.max(0, Math.round(x));
const fromLog = (x: number) => count(Math.expm1(x));

/** Inverse of the smoothed rate (s + 1) / (s + f + 2) given f: s = (rate · (f + 2) − 1) / (1 − rate). */
function successesFrom(rate: number, failures: number): number {
  return rate >= 1 ? 0 : count((rate * (failures + 2) - 1) / (1 - rate));
}

/**
 * s and f from the smoothed rate and the retrieval count n: s + f = n until a rewrite resets the item's
 * outcome counts, so the largest total m ≤ n whose rate (s + 1) / (m + 2) matches is taken (exact when no rewrite
 * happened; after one, a pair with the same rate, which is all the rules read).
 */
function overallCounts(rate: number, n: number): { successes: number; failures: number } {
  for (let m = n; m >= 0; m--) {
    const s = Math.round(rate * (m + 2) - 1);
    if (s >= 0 && s <= m && Math.abs((s + 1) / (m + 2) - rate) < 1e-6) return { successes: s, failures: m - s };
  }
  return { successes: 0, failures: 0 };
}

export function executorFromFeatures(f: ArrayLike<number>, row: number): ExecutorObservation {
  const o = row * NUM_FEATURES;
  return {
    successRate: f[o + F.exec_success_rate],
    contextBudget: Math.round(Math.exp(f[o + F.exec_budget_log])),
    budgetUse: f[o + F.exec_budget_use],
  };
}

export function itemFromFeatures(f: ArrayLike<number>, row: number): ItemObservation {
  const o = row * NUM_FEATURES;
  const timesRetrieved = fromLog(f[o + F.item_retrieved_log]);
  const sr = f[o + F.item_success_rate];
  const { successes, failures } = overallCounts(sr, timesRetrieved);
  const recentFailures = count(f[o + F.item_recent_failures]);
  const helpful = fromLog(f[o + F.item_helpful_log]);
  return {
    age: fromLog(f[o + F.item_age_log]),
    sinceRetrieved: fromLog(f[o + F.item_since_retrieved_log]),
    timesRetrieved,
    successes,
    failures,
    recentSuccesses: successesFrom(f[o + F.item_recent_success_rate], recentFailures),
    recentFailures,
    helpful,
    harmful: fromLog(f[o + F.item_harmful_log]),
    tokens: fromLog(f[o + F.item_tokens_log]),
    isSkill: f[o + F.item_is_skill] > 0.5,
    rewrites: count(f[o + F.item_rewrites]),
    compressions: count(f[o + F.item_compressions]),
    authorIsCurrent: f[o + F.item_author_is_current] > 0.5,
    writtenAfterFailure: f[o + F.item_written_after_failure] > 0.5,
    maxSimilarity: f[o + F.item_max_similarity],
    relevance: f[o + F.item_task_relevance],
    referencedBy: fromLog(f[o + F.item_referenced_by_log]),
    placeholder: f[o + F.item_placeholder] > 0.5,
    shortGeneric: f[o + F.item_short_generic] > 0.5,
    coreShare: f[o + F.item_core_share],
    nearDuplicates: fromLog(f[o + F.item_near_duplicates_log]),
  };
}
