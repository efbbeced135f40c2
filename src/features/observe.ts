/**
 * Turns raw library items (library.jsonl lines) into the observations the featurizer reads. This is the bridge
 * a real harness crosses: it logs what `ItemStatsSchema` names, and everything the featurizer needs is derived
 * here, with the defaults below when a statistic is missing.
 *
 * Defaults, in one place (OBSERVATION_DEFAULTS documents the numbers):
 * - `now` (the current task index): the largest task index seen in any item's stats (createdAt or
 *   lastRetrievedAt); 0 when no item has stats.
 * - An item with no stats is fresh: age 0, never retrieved, no outcomes, no helpful / harmful flags, never
 *   rewritten or compressed, not written after a failure. Each missing counter alone is 0 (flags false).
 *   A missing `createdAt` alone also means age 0. Ages are never negative (clamped at 0).
 * - `sinceRetrieved` is the age when the item was never retrieved (as the featurizer defines it).
 * - `tokens`: the item's `tokens` field, else countTokens(content) (o200k_base).
 * - `similarity`: the item's `similarity` field, else MinHash similarity to the other items' contents
 *   (what similarityStats computes over every item's content).
 * - `authorIsCurrent`: the item's `author` equals `executorName` (default: the profile's name).
 * - executor `successRate`: `executorStats.successRate`, else the library's pooled successes / (successes +
 *   failures) once it holds at least 10 outcomes, else sigmoid(baseSkill) (the profile's no-help success).
 * - executor `contextBudget`: `executorStats.contextBudget`, else the profile's.
 * - executor `budgetUse`: `executorStats.budgetUse`, else the summed token length of the (up to) 4 most-retrieved
 *   items (what a typical retrieval puts in context) divided by the budget, capped at 1; 0 when nothing was
 *   ever retrieved. This matches the simulator's definition (context tokens / budget, top-4 retrieval).
 */
import type { LibraryItem } from "../schemas/item.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { ExecutorObservation, ItemObservation, LibraryObservation } from "./featurizer.js";
import { countTokens } from "../text/tokens.js";
import { similarityStats, type SimilarityProgress, type SimilarityStats } from "../text/similarity.js";

export const OBSERVATION_DEFAULTS = {
  /** Pooled library outcomes needed before they estimate the executor's success rate. */
  minPooledOutcomes: 10,
  /** Items whose summed lengths estimate the share of the budget a task's retrieval fills (the world's retrievalK). */
  budgetUseItems: 4,
} as const;

export interface ObserveOptions {
  /** Current task index; default: the largest task index in the items' stats. */
  now?: number;
  executor: ExecutorProfile;
  /** Name compared with items' `author`; default: executor.name. */
  executorName?: string;
  /** Logged executor statistics; each missing field gets the default above. */
  executorStats?: Partial<ExecutorObservation>;
  /** Progress of the near-duplicate search, the one step whose time grows faster than the library. */
  onProgress?: SimilarityProgress;
}

export interface LibraryObservations {
  observations: ItemObservation[];
  executor: ExecutorObservation;
  library: LibraryObservation;
  /** The task index the observations were taken at. */
  now: number;
}

export function defaultNow(items: readonly LibraryItem[]): number {
  let now = 0;
  for (const it of items) {
    const s = it.stats;
    if (!s) continue;
    if (s.createdAt !== undefined && s.createdAt > now) now = s.createdAt;
    if (s.lastRetrievedAt !== undefined && s.lastRetrievedAt !== null && s.lastRetrievedAt > now) now = s.lastRetrievedAt;
  }
  return now;
}

export function observeLibrary(items: readonly LibraryItem[], opts: ObserveOptions): LibraryObservations {
  const now = opts.now ?? defaultNow(items);
  const author = opts.executorName ?? opts.executor.name;
  const similarity = fillSimilarity(items, opts.onProgress);
  const observations: ItemObservation[] = new Array(items.length);
  let totalTokens = 0;
  let pooledS = 0;
  let pooledF = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const s = it.stats ?? {};
    const age = Math.max(0, now - (s.createdAt ?? now));
    const last = s.lastRetrievedAt;
    const tokens = it.tokens ?? countTokens(it.content);
    const sim = it.similarity ?? similarity[i];
    observations[i] = {
      age,
      sinceRetrieved: last === undefined || last === null ? age : Math.max(0, now - last),
      timesRetrieved: s.timesRetrieved ?? 0,
      successes: s.successes ?? 0,
      failures: s.failures ?? 0,
      recentSuccesses: s.recentSuccesses ?? 0,
      recentFailures: s.recentFailures ?? 0,
      helpful: s.helpful ?? 0,
      harmful: s.harmful ?? 0,
      writtenAfterFailure: s.writtenAfterFailure ?? false,
      tokens,
      isSkill: it.kind === "skill",
      rewrites: s.rewrites ?? 0,
      compressions: s.compressions ?? 0,
      authorIsCurrent: it.author !== undefined && it.author === author,
      maxSimilarity: sim.max,
      nearDuplicates: sim.nearDuplicates,
    };
    totalTokens += tokens;
    pooledS += s.successes ?? 0;
    pooledF += s.failures ?? 0;
  }
  const stats = opts.executorStats ?? {};
  const contextBudget = stats.contextBudget ?? opts.executor.contextBudget;
  const successRate =
    stats.successRate ??
    (pooledS + pooledF >= OBSERVATION_DEFAULTS.minPooledOutcomes
      ? pooledS / (pooledS + pooledF)
      : 1 / (1 + Math.exp(-opts.executor.baseSkill)));
  const budgetUse = stats.budgetUse ?? estimateBudgetUse(observations, contextBudget);
  return {
    observations,
    executor: { successRate, contextBudget, budgetUse },
    library: { size: items.length, totalTokens },
    now,
  };
}

/** Summed tokens of the most-retrieved items (ties: longer first) over the budget, capped at 1. One linear pass. */
function estimateBudgetUse(obs: readonly ItemObservation[], budget: number): number {
  const k = OBSERVATION_DEFAULTS.budgetUseItems;
  const top: ItemObservation[] = [];
  const before = (a: ItemObservation, b: ItemObservation) =>
    a.timesRetrieved > b.timesRetrieved || (a.timesRetrieved === b.timesRetrieved && a.tokens > b.tokens);
  for (const o of obs) {
    if (o.timesRetrieved === 0 || (top.length === k && !before(o, top[k - 1]))) continue;
    let i = top.length < k ? top.length : k - 1;
    while (i > 0 && before(o, top[i - 1])) i--;
    top.splice(i, 0, o);
    if (top.length > k) top.pop();
  }
  const total = top.reduce((t, o) => t + o.tokens, 0);
  return Math.min(1, total / Math.max(1, budget));
}

/**
 * Similarity for the items lacking a `similarity` field (entries for the others are unused): the MinHash
 * search over every item's content, so each missing row is compared with all items, as similarityStats does.
 */
function fillSimilarity(items: readonly LibraryItem[], onProgress?: SimilarityProgress): SimilarityStats[] {
  if (items.every((it) => it.similarity)) return new Array(items.length);
  return similarityStats(items.map((it) => it.content), { onProgress });
}
