/**
 * What an endpoint stream records per task and per curation pass: one journal line each in `OUT.partial/`,
 * written by the stream runner (stream.ts) for `curator collect` (which turns them into dataset rows) and
 * `curator eval` (which turns them into evaluation units).
 */
import type { TaskOutcome } from "../executors/endpoint/harness.js";
import type { Prices } from "../executors/endpoint/profile.js";
import type { RolloutReturn } from "../labels/rollout.js";
import type { RolloutSpend } from "../labels/plan.js";

/** One finished task, as the tasks table needs it plus what the horizon rewards need. */
export interface TaskRecord {
  step: number;
  taskId: string;
  success: boolean;
  itemsInContext: number;
  /** uncached prompt tokens of the answer and authoring calls */
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** tokens of the curation pass before this task, charged to it (as the simulated world does) */
  curationTokens: number;
  /** USD of the task's calls plus the curation pass charged to it */
  cost: number;
  librarySize: number;
  libraryTokens: number;
  authored: boolean;
  /** ids of the items retrieved into the prompt, and the USD of each one's prompt tokens */
  contextIds: string[];
  contextCosts: number[];
}

/** One curation pass after task `step - 1`: what the behaviour curator saw, chose and spent. */
export interface PassRecord {
  pass: number;
  step: number;
  itemIds: string[];
  /** rows × NUM_FEATURES raw features; rows × 4 masks (after the change cap) and final probabilities */
  features: number[];
  masks: number[];
  probs: number[];
  /** rows × 4 behaviour propensities of the final action, change cap included (absent in journals from before) */
  propensities?: number[];
  actions: number[];
  /** USD of each item's compress / rewrite call (0 for keep / retire) */
  actionCosts: number[];
  execSuccessRate: number;
  /** --labels rollout, at a labelled pass: rows × 4 counterfactual successes and costs (null: not labelled) */
  counterfactuals?: { success: (number | null)[]; cost: (number | null)[] };
  /** --rollout-groups G: each member's action per item and its return */
  group?: { actions: number[][]; returns: RolloutReturn[] };
  /** extra tasks the rollouts of this pass ran */
  spend?: RolloutSpend;
}

/** One journal line: a task and, when one was due, the curation pass that followed it. */
export interface JournalEntry {
  task: TaskRecord;
  pass?: PassRecord;
}

export interface StreamIdentity {
  streamId: number;
  seed: number;
  executor: string;
}

/**
 * The tasks-table record of a harness outcome. An item's prompt tokens are priced at the answer call's blend
 * of cached and uncached input (the server reports cache hits per call, not per item).
 */
export function taskRecord(
  o: TaskOutcome,
  tokensBefore: ReadonlyMap<string, number>,
  pending: { cost: number; tokens: number },
  prices: Prices,
): TaskRecord {
  const u = o.usage.answer;
  const cachedShare = u.promptTokens > 0 ? u.cachedTokens / u.promptTokens : 0;
  const perToken = ((1 - cachedShare) * prices.inputPerMTok + cachedShare * prices.cachedInputPerMTok) / 1e6;
  return {
    step: o.step,
    taskId: o.taskId,
    success: o.success,
    itemsInContext: o.retrievedIds.length,
    promptTokens: o.promptTokens,
    cachedTokens: o.cachedTokens,
    outputTokens: o.outputTokens,
    curationTokens: pending.tokens,
    cost: o.cost + pending.cost,
    librarySize: o.librarySize,
    libraryTokens: o.libraryTokens,
    authored: o.authored !== "none",
    contextIds: [...o.retrievedIds],
    contextCosts: o.retrievedIds.map((id) => (tokensBefore.get(id) ?? 0) * perToken),
  };
}
