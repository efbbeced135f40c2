/**
 * The shape every rule-based literature curator shares: one preferred action per row, read only from the
 * observation a learned curator sees (DecisionBatch), then the governance mask. When the preferred action is
 * masked out (a pinned item, a protected kind, a young item) the row falls back to the first allowed action in
 * keep → compress → rewrite → retire order, so a baseline never breaks a rule it was not told about.
 */
import { NUM_ACTIONS } from "../../actions.js";
import type { Curator, DecisionBatch } from "../types.js";

/** Preferred action index per row (0 keep, 1 compress, 2 rewrite, 3 retire), before the mask. */
export type RulePolicy = (batch: DecisionBatch) => ArrayLike<number>;

export function ruleCurator(name: string, policy: RulePolicy): Curator {
  return {
    name,
    probs: (b) => {
      const preferred = policy(b);
      const out = new Float32Array(b.rows * NUM_ACTIONS);
      for (let r = 0; r < b.rows; r++) out[r * NUM_ACTIONS + allowedOrKeep(b.masks, r, preferred[r])] = 1;
      return out;
    },
  };
}

function allowedOrKeep(masks: Float32Array, row: number, action: number): number {
  if (masks[row * NUM_ACTIONS + action] > 0) return action;
  for (let a = 0; a < NUM_ACTIONS; a++) if (masks[row * NUM_ACTIONS + a] > 0) return a;
  return 0;
}

/** The same rule for every row. */
export function perItem(rule: (item: DecisionBatch["items"][number], batch: DecisionBatch) => number): RulePolicy {
  return (b) => Int8Array.from(b.items, (item) => rule(item, b));
}
