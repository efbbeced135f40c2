/**
 * The executor's running statistics, one definition for every path (simulated world, endpoint collection,
 * `decide` with a harness's task history): exponential moving averages over its tasks, success (rate 0.05,
 * about the last 20 tasks) and the share of its context budget filled by library items (rate 0.1, capped at 1).
 */
import type { ExecutorObservation } from "./featurizer.js";
import { ExecutorStatsSchema, type ExecutorStats, type ExecutorTask } from "../schemas/executor-stats.js";
import { readJsonFile } from "../util/json-file.js";

/** Rates of the running averages. */
export const EXEC_STAT_RATES = { successRate: 0.05, budgetUse: 0.1 } as const;

/** Where the averages start when nothing is known of the executor (endpoint collection and `decide`). */
export const EXEC_STAT_PRIOR = { successRate: 0.5, budgetUse: 0.5 } as const;

/** The running success rate after one more task. */
export function foldSuccess(rate: number, success: boolean): number {
  return rate + EXEC_STAT_RATES.successRate * ((success ? 1 : 0) - rate);
}

/** The running budget use after one more task that put `contextTokens` of items in a `contextBudget` context. */
export function foldBudgetUse(use: number, contextTokens: number, contextBudget: number): number {
  return use + EXEC_STAT_RATES.budgetUse * (Math.min(1, contextTokens / contextBudget) - use);
}

/** Folds one task into running statistics, in place. */
export function recordExecutorTask(
  state: { successRate: number; budgetUse: number },
  task: ExecutorTask,
  contextBudget: number,
): void {
  state.successRate = foldSuccess(state.successRate, task.success);
  state.budgetUse = foldBudgetUse(state.budgetUse, task.contextTokens, contextBudget);
}

/** The executor features from a task history, as training saw them. */
export function executorObservation(
  stats: Pick<ExecutorStats, "contextBudget" | "tasks" | "prior">,
): ExecutorObservation {
  const state = { ...(stats.prior ?? EXEC_STAT_PRIOR) };
  for (const t of stats.tasks) recordExecutorTask(state, t, stats.contextBudget);
  return { successRate: state.successRate, contextBudget: stats.contextBudget, budgetUse: state.budgetUse };
}

/** Reads and validates an executor statistics file (`decide --executor-stats FILE`). */
export function readExecutorStats(path: string): ExecutorStats {
  return readJsonFile(path, ExecutorStatsSchema, "Executor statistics");
}
