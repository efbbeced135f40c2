/**
 * Baseline curators that need no training: `none` (append-only: always keep), `random` (uniform over the
 * allowed actions) and `heuristic` (the hand-written rules a careful harness author would use).
 */
import type { Curator, DecisionBatch } from "./types.js";
import { applyMask } from "./types.js";
import { ACTION_INDEX, NUM_ACTIONS } from "../actions.js";
import type { ItemObservation, ExecutorObservation } from "../features/featurizer.js";

export const noneCurator: Curator = {
  name: "none",
  probs: (b) => applyMask(oneHotRows(b.rows, 0), b.masks, b.rows),
};

export const randomCurator: Curator = {
  name: "random",
  stochastic: true,
  probs: (b) => applyMask(new Float32Array(b.rows * NUM_ACTIONS).fill(1 / NUM_ACTIONS), b.masks, b.rows),
};

/**
 * The heuristic's rules, checked in order (first match wins); all thresholds act on observable statistics:
 *  1. retire   an item retrieved ≥ 4 times whose smoothed success rate is ≥ 0.2 below the executor's;
 *  2. retire   an item unused for 60 tasks (or never retrieved in its first 60);
 *  3. rewrite  an item whose recent window holds ≥ 3 failures and more failures than successes (a failure spike);
 *  4. compress an item longer than 15% of the executor's context budget that was never compressed;
 *  5. keep     otherwise.
 */
export const HEURISTIC_RULES = {
  failingMinRetrievals: 4,
  failingGap: 0.2,
  unusedTasks: 60,
  spikeFailures: 3,
  longShareOfBudget: 0.15,
} as const;

export function heuristicAction(item: ItemObservation, exec: ExecutorObservation): number {
  const R = HEURISTIC_RULES;
  const rate = (item.successes + 1) / (item.successes + item.failures + 2);
  if (item.timesRetrieved >= R.failingMinRetrievals && rate <= exec.successRate - R.failingGap)
    return ACTION_INDEX.retire;
  if (item.sinceRetrieved >= R.unusedTasks) return ACTION_INDEX.retire;
  if (item.recentFailures >= R.spikeFailures && item.recentFailures > item.recentSuccesses) return ACTION_INDEX.rewrite;
  if (item.tokens > R.longShareOfBudget * exec.contextBudget && item.compressions === 0) return ACTION_INDEX.compress;
  return ACTION_INDEX.keep;
}

export const heuristicCurator: Curator = {
  name: "heuristic",
  probs: (b: DecisionBatch) => {
    const out = new Float32Array(b.rows * NUM_ACTIONS);
    for (let r = 0; r < b.rows; r++) {
      const a = heuristicAction(b.items[r], b.executor);
      // Fall back down the preference list when the rule's action is masked out.
      const order = [a, 0, 1, 2, 3];
      const pick = order.find((x) => b.masks[r * NUM_ACTIONS + x] > 0) ?? 0;
      out[r * NUM_ACTIONS + pick] = 1;
    }
    return out;
  },
};

function oneHotRows(rows: number, action: number): Float32Array {
  const out = new Float32Array(rows * NUM_ACTIONS);
  for (let r = 0; r < rows; r++) out[r * NUM_ACTIONS + action] = 1;
  return out;
}
