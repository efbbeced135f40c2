/**
 * What an endpoint run records per task and per curation pass (one journal line each in `OUT.partial/`), and
 * how those records become dataset rows — the same columns and horizon rewards as the simulated collector's
 * rows.ts. Real tasks have no hidden truth: their rows hold family -1, p_success NaN, stale_hit /
 * contamination_follow / drift_hit false and generic_share 0 (see TASK_COLUMNS).
 */
import type { TaskOutcome } from "../executors/endpoint/harness.js";
import type { Prices } from "../executors/endpoint/profile.js";
import { horizonOutcome, pushPassRows, type ColumnsOut } from "./rows.js";
import { pushGroupRows } from "./group-rows.js";
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
  actions: number[];
  /** USD of each item's compress / rewrite call (0 for keep / retire) */
  actionCosts: number[];
  execSuccessRate: number;
  /** --labels rollout, at a labelled pass: rows × 4 counterfactual successes and costs (NaN / null: not labelled) */
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

/** Decision rows of one stream, with rewards over the `horizon` tasks after each pass (as rows.ts computes them). */
export function endpointDecisionRows(id: StreamIdentity, journal: readonly JournalEntry[], horizon: number, out: ColumnsOut): void {
  const tasks = journal.map((e) => e.task);
  const nan = (v: number | null) => (v === null ? Number.NaN : v);
  for (const { pass: p } of journal) {
    if (!p) continue;
    const cf = p.counterfactuals ? { success: p.counterfactuals.success.map(nan), cost: p.counterfactuals.cost.map(nan) } : null;
    pushPassRows(out, { ...id, ...p, counterfactuals: cf }, horizonOutcome(tasks, p.step, horizon));
  }
}

/** Group rows of one stream (--rollout-groups G). */
export function endpointGroupRows(id: StreamIdentity, journal: readonly JournalEntry[], out: ColumnsOut): void {
  for (const { pass: p } of journal)
    if (p?.group)
      pushGroupRows(out, {
        streamId: id.streamId, pass: p.pass, step: p.step, itemIds: p.itemIds,
        group: { actions: p.group.actions.map((a) => Int32Array.from(a)), returns: p.group.returns },
      });
}

export function endpointTaskRows(id: StreamIdentity, journal: readonly JournalEntry[], out: ColumnsOut): void {
  for (const { task: r } of journal) {
    out.stream_id.push(id.streamId);
    out.stream_seed.push(id.seed);
    out.executor.push(id.executor);
    out.step.push(r.step);
    out.family.push(-1);
    out.success.push(r.success);
    out.p_success.push(Number.NaN);
    out.items_in_context.push(r.itemsInContext);
    out.prompt_tokens.push(r.promptTokens);
    out.cached_tokens.push(r.cachedTokens);
    out.output_tokens.push(r.outputTokens);
    out.curation_tokens.push(r.curationTokens);
    out.cost.push(r.cost);
    out.stale_hit.push(false);
    out.contamination_follow.push(false);
    out.drift_hit.push(false);
    out.library_size.push(r.librarySize);
    out.library_tokens.push(r.libraryTokens);
    out.generic_share.push(0);
    out.authored.push(r.authored);
  }
}
