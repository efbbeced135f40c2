/**
 * The observable featurizer: the one definition of what a curator sees, used by collection, training,
 * export metadata and the runtime. Only what a real harness can log goes in (DESIGN.md "Observable features").
 *
 * Bump FEATURIZER_VERSION whenever a feature is added, removed, reordered or computed differently: models and
 * datasets record it, and a mismatch is refused.
 */
export const FEATURIZER_VERSION = "obs-v3";
/** Versions whose datasets and models are refused (features added or computed differently since). */
export const OLDER_FEATURIZER_VERSIONS = ["obs-v1", "obs-v2"] as const;

/** Observable statistics of one item at decision time. */
export interface ItemObservation {
  age: number; // tasks since written
  sinceRetrieved: number; // tasks since last retrieved (age when never retrieved)
  timesRetrieved: number;
  successes: number;
  failures: number;
  recentSuccesses: number;
  recentFailures: number;
  /** Times the executor's reflection credited the item as helpful (ACE-style counter). */
  helpful: number;
  /** Times the executor's reflection flagged the item as harmful: noticed it was wrong or out of date. */
  harmful: number;
  tokens: number;
  isSkill: boolean;
  rewrites: number;
  compressions: number;
  authorIsCurrent: boolean;
  /** The task after which the item was written failed (lessons drawn from failures are more often wrong). */
  writtenAfterFailure: boolean;
  maxSimilarity: number; // 0..1
  nearDuplicates: number;
  /** Relevance to the tasks now arriving, 0..1 (content.ts taskRelevance; RELEVANCE_UNKNOWN when no task text is known). */
  relevance: number;
  /** Live items of its library that call it (skills calling skills). */
  referencedBy: number;
  /** The text stands for content that is not there (empty, elided, placeholder words). */
  placeholder: boolean;
  /** Very short advice with no digit or code: fits every task, helps none. */
  shortGeneric: boolean;
  /** Distinct content words / all words, 0..1: low for verbose filler. */
  coreShare: number;
  /**
   * Whether the source logs retrievals at all (not a feature: no model input reads it). False for sources such
   * as Voyager, whose items then read as never retrieved; reasons must not cite that. Absent = logged.
   */
  retrievalsLogged?: boolean;
}

/** Observable state of the executor the library serves next. */
export interface ExecutorObservation {
  successRate: number; // running success rate over its recent tasks, 0..1
  contextBudget: number; // tokens
  budgetUse: number; // share of the budget filled by retrieved items on recent tasks, 0..1
}

export interface LibraryObservation {
  size: number;
  totalTokens: number;
}

export const FEATURE_NAMES = [
  "item_age_log",
  "item_since_retrieved_log",
  "item_retrieved_log",
  "item_usage_rate",
  "item_success_rate",
  "item_recent_success_rate",
  "item_recent_failures",
  "item_success_lift",
  "item_recent_drop",
  "item_helpful_log",
  "item_harmful_log",
  "item_harmful_share",
  "item_tokens_log",
  "item_tokens_share_of_budget",
  "item_is_skill",
  "item_rewrites",
  "item_compressions",
  "item_author_is_current",
  "item_written_after_failure",
  "item_max_similarity",
  "item_near_duplicates_log",
  "item_task_relevance",
  "item_referenced_by_log",
  "item_placeholder",
  "item_short_generic",
  "item_core_share",
  "exec_success_rate",
  "exec_budget_log",
  "exec_budget_use",
  "lib_size_log",
  "lib_tokens_log",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const NUM_FEATURES = FEATURE_NAMES.length;

/** Smoothed success rate with a Beta(1,1) prior, so unused items sit at 0.5 rather than 0/0. */
function rate(s: number, f: number): number {
  return (s + 1) / (s + f + 2);
}

/** Writes the feature vector of one item into `out` at `offset` (no allocation on the hot path). */
export function featurizeInto(
  out: Float32Array,
  offset: number,
  item: ItemObservation,
  exec: ExecutorObservation,
  lib: LibraryObservation,
): void {
  const sr = rate(item.successes, item.failures);
  const rsr = rate(item.recentSuccesses, item.recentFailures);
  let i = offset;
  out[i++] = Math.log1p(item.age);
  out[i++] = Math.log1p(item.sinceRetrieved);
  out[i++] = Math.log1p(item.timesRetrieved);
  // Retrievals per task since written: at most one per task, so a rate above 1 means a source counted a task
  // before the item existed; bounded here so a wrong log cannot leave the training range (issue 18).
  out[i++] = Math.min(1, item.timesRetrieved / Math.max(1, item.age));
  out[i++] = sr;
  out[i++] = rsr;
  out[i++] = item.recentFailures;
  out[i++] = sr - exec.successRate;
  out[i++] = sr - rsr;
  out[i++] = Math.log1p(item.helpful);
  out[i++] = Math.log1p(item.harmful);
  out[i++] = item.harmful / (item.helpful + item.harmful + 1);
  out[i++] = Math.log1p(item.tokens);
  out[i++] = item.tokens / Math.max(1, exec.contextBudget);
  out[i++] = item.isSkill ? 1 : 0;
  out[i++] = item.rewrites;
  out[i++] = item.compressions;
  out[i++] = item.authorIsCurrent ? 1 : 0;
  out[i++] = item.writtenAfterFailure ? 1 : 0;
  out[i++] = item.maxSimilarity;
  out[i++] = Math.log1p(item.nearDuplicates);
  out[i++] = item.relevance;
  out[i++] = Math.log1p(item.referencedBy);
  out[i++] = item.placeholder ? 1 : 0;
  out[i++] = item.shortGeneric ? 1 : 0;
  out[i++] = item.coreShare;
  out[i++] = exec.successRate;
  out[i++] = Math.log(Math.max(1, exec.contextBudget));
  out[i++] = exec.budgetUse;
  out[i++] = Math.log1p(lib.size);
  out[i++] = Math.log1p(lib.totalTokens);
}

export function featurize(
  items: readonly ItemObservation[],
  exec: ExecutorObservation,
  lib: LibraryObservation,
): Float32Array {
  const out = new Float32Array(items.length * NUM_FEATURES);
  for (let r = 0; r < items.length; r++) featurizeInto(out, r * NUM_FEATURES, items[r], exec, lib);
  return out;
}
