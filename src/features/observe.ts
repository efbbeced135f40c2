/**
 * Turns raw library items (library.jsonl lines) into the observations the featurizer reads. This is the bridge
 * a real harness crosses: it logs what `ItemStatsSchema` names, and everything the featurizer needs is derived
 * here, with the defaults below when a statistic is missing.
 *
 * Defaults, in one place (OBSERVATION_DEFAULTS documents the numbers):
 * - Libraries: items are grouped by their `library` field (absent = one unnamed library); everything below
 *   that depends on the library (now, ages, similarity, library size and tokens) is computed per library.
 * - `now` (the index of the next task, the one the decision comes before): the largest of the library's items'
 *   createdAt and lastRetrievedAt + 1 (a retrieval at task t happened before the decision that follows it, as in
 *   the simulator, where an item retrieved by the task just run is 1 task since retrieved); 0 when none of them
 *   has stats. An explicit `now` applies to every library.
 * - `retrievalsLogged`: false for every item of a library none of whose items carries `stats.timesRetrieved` or
 *   `stats.lastRetrievedAt` (a source that logs no retrievals, e.g. Voyager); the retrieval features then read
 *   as "never retrieved" and must not be reported as such.
 * - An item with no stats is fresh: age 0, never retrieved, no outcomes, no helpful / harmful flags, never
 *   rewritten or compressed, not written after a failure. Each missing counter alone is 0 (flags false).
 *   A missing `createdAt` alone also means age 0. Ages are never negative (clamped at 0).
 * - `sinceRetrieved` is the age when the item was never retrieved (as the featurizer defines it).
 * - `tokens`: the item's `tokens` field, else countTokens(content) (o200k_base).
 * - `similarity`: the item's `similarity` field, else MinHash similarity to the other items' contents of the
 *   same library (exactly what similarityStats computes).
 * - content features (src/features/content.ts): placeholder, short generic and core share from `content`;
 *   relevance to the last RECENT_TASKS of `recentTasks` (RELEVANCE_UNKNOWN when none is given); referencedBy =
 *   the skills of the same library that call the item.
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
import {
  featurizeInto,
  NUM_FEATURES,
  type ExecutorObservation,
  type ItemObservation,
  type LibraryObservation,
} from "./featurizer.js";
import { countTokens } from "../text/tokens.js";
import { contentFlags, recentTaskWords, referencedBy, RELEVANCE_UNKNOWN, taskRelevance } from "./content.js";
import { CuratorError } from "../errors.js";
import {
  estimateJaccard,
  minhash,
  NEAR_DUPLICATE_THRESHOLD,
  similarityStats,
  type SimilarityProgress,
  type SimilarityStats,
} from "../text/similarity.js";

export const OBSERVATION_DEFAULTS = {
  /** Pooled library outcomes needed before they estimate the executor's success rate. */
  minPooledOutcomes: 10,
  /** Items whose summed lengths estimate the share of the budget a task's retrieval fills (the world's retrievalK). */
  budgetUseItems: 4,
} as const;

export interface ObserveOptions {
  /** Current task index; default: the largest task index in the items' stats. */
  now?: number;
  /** Fallback for executor statistics the harness does not supply; may be absent when `executorStats` is complete. */
  executor?: ExecutorProfile;
  /** Name compared with items' `author`; default: executor.name. */
  executorName?: string;
  /** Logged executor statistics; each missing field gets the default above. */
  executorStats?: Partial<ExecutorObservation>;
  /** Texts of the executor's most recent tasks, oldest first (only the last RECENT_TASKS are read): relevance. */
  recentTasks?: readonly string[];
  /** Progress of the near-duplicate search, the one step whose time grows faster than the library. */
  onProgress?: SimilarityProgress;
}

export interface LibraryObservations {
  observations: ItemObservation[];
  executor: ExecutorObservation;
  /**
   * The whole input as one library. With one library (every item's `library` equal or absent) this is what
   * every item sees; with several, each item's own library is `libraryOf[i]` (what the featurizer must get).
   */
  library: LibraryObservation;
  /** Per item (same order): the size and tokens of the item's own library. */
  libraryOf: LibraryObservation[];
  /** One entry per library present, in the order of its first item. */
  libraries: LibraryState[];
  /** The largest task index among the libraries' `now` (the only one when the input holds one library). */
  now: number;
  /** Where each executor statistic came from: the harness, the library's pooled outcomes, or the profile (a guess). */
  executorSources: Record<keyof ExecutorObservation, ExecutorStatSource>;
}

/** One library of the input, as observed. */
export interface LibraryState extends LibraryObservation {
  /** The items' `library` field; null for items that carry none. */
  name: string | null;
  /** The task index its items' ages are measured at (the explicit `now`, else its own largest task index). */
  now: number;
  /** Some item of the library carries `stats.timesRetrieved` or `stats.lastRetrievedAt` (see ItemObservation). */
  retrievalsLogged: boolean;
}

export type ExecutorStatSource = "harness" | "library" | "profile";

export function defaultNow(items: readonly LibraryItem[]): number {
  let now = 0;
  for (const it of items) {
    const s = it.stats;
    if (!s) continue;
    if (s.createdAt !== undefined && s.createdAt > now) now = s.createdAt;
    if (s.lastRetrievedAt !== undefined && s.lastRetrievedAt !== null && s.lastRetrievedAt + 1 > now)
      now = s.lastRetrievedAt + 1;
  }
  return now;
}

/** Item indices per library (the `library` field; absent = one unnamed library), in order of first appearance. */
export function groupByLibrary(items: readonly LibraryItem[]): Map<string | null, number[]> {
  const groups = new Map<string | null, number[]>();
  items.forEach((it, i) => {
    const key = it.library ?? null;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

/**
 * Observations of every item. Ages, "since retrieved", similarity and the library features are measured
 * within each item's own library (the `library` field): items of a 13-task library are not aged against a
 * 47-task one beside it in the same file. Executor statistics are the executor's and span the whole input.
 */
export function observeLibrary(items: readonly LibraryItem[], opts: ObserveOptions): LibraryObservations {
  const author = opts.executorName ?? opts.executor?.name;
  const observations: ItemObservation[] = new Array(items.length);
  const libraryOf: LibraryObservation[] = new Array(items.length);
  const libraries: LibraryState[] = [];
  let pooledS = 0;
  let pooledF = 0;
  const tasks = recentTaskWords(opts.recentTasks ?? []);
  for (const [name, members] of groupByLibrary(items)) {
    const group = members.map((i) => items[i]);
    const now = opts.now ?? defaultNow(group);
    const retrievalsLogged = group.some(
      (it) => it.stats?.timesRetrieved !== undefined || it.stats?.lastRetrievedAt !== undefined,
    );
    const similarity = fillSimilarity(group, opts.onProgress);
    const callers = referencedBy(group);
    const lib: LibraryState = { name, now, retrievalsLogged, size: group.length, totalTokens: 0 };
    const shared: LibraryObservation = { size: group.length, totalTokens: 0 };
    members.forEach((i, k) => {
      const it = items[i];
      const s = it.stats ?? {};
      const age = Math.max(0, now - (s.createdAt ?? now));
      const last = s.lastRetrievedAt;
      const tokens = it.tokens ?? countTokens(it.content);
      const sim = it.similarity ?? similarity[k];
      const flags = contentFlags(it.content);
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
        relevance: taskRelevance(it.content, tasks) ?? RELEVANCE_UNKNOWN,
        referencedBy: callers[k],
        placeholder: flags.placeholder,
        shortGeneric: flags.shortGeneric,
        coreShare: flags.coreShare,
        retrievalsLogged,
      };
      shared.totalTokens += tokens;
      libraryOf[i] = shared;
      pooledS += s.successes ?? 0;
      pooledF += s.failures ?? 0;
    });
    lib.totalTokens = shared.totalTokens;
    libraries.push(lib);
  }
  const single = libraries.length <= 1;
  const library: LibraryObservation =
    single && items.length > 0
      ? libraryOf[0]
      : { size: items.length, totalTokens: libraries.reduce((t, l) => t + l.totalTokens, 0) };
  const stats = opts.executorStats ?? {};
  const profile = (field: string): ExecutorProfile => {
    if (opts.executor) return opts.executor;
    throw new CuratorError(
      "BAD_ARGUMENT",
      `No executor ${field}: pass the executor's statistics (decide --executor-stats FILE) or an executor profile to fall back on.`,
    );
  };
  const pooled = pooledS + pooledF >= OBSERVATION_DEFAULTS.minPooledOutcomes;
  const contextBudget = stats.contextBudget ?? profile("context budget").contextBudget;
  const successRate =
    stats.successRate ??
    (pooled ? pooledS / (pooledS + pooledF) : 1 / (1 + Math.exp(-profile("success rate").baseSkill)));
  const budgetUse = stats.budgetUse ?? estimateBudgetUse(observations, contextBudget);
  return {
    observations,
    executor: { successRate, contextBudget, budgetUse },
    library,
    libraryOf,
    libraries,
    now: libraries.reduce((m, l) => Math.max(m, l.now), opts.now ?? 0),
    executorSources: {
      successRate: stats.successRate !== undefined ? "harness" : pooled ? "library" : "profile",
      contextBudget: stats.contextBudget !== undefined ? "harness" : "profile",
      budgetUse: stats.budgetUse !== undefined ? "harness" : "library",
    },
  };
}

/** The feature matrix of observed items, each with its own library's features ([rows × NUM_FEATURES]). */
export function featurizeObserved(obs: LibraryObservations): Float32Array {
  const out = new Float32Array(obs.observations.length * NUM_FEATURES);
  for (let r = 0; r < obs.observations.length; r++)
    featurizeInto(out, r * NUM_FEATURES, obs.observations[r], obs.executor, obs.libraryOf[r]);
  return out;
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
  return similarityStats(
    items.map((it) => it.content),
    { onProgress },
  );
}
