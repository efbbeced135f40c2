/**
 * MemRL — runtime reinforcement learning on episodic memory (2025/26). Each memory carries a utility Q,
 * updated from the task's reward whenever the memory was retrieved (Q ← Q + α (r − Q)); retrieval ranks by
 * similarity and Q, and the lowest-utility memories are the ones to drop.
 *
 * Mapped onto the observation: the per-item utility is the posterior mean success when retrieved,
 * Q = (successes + 1) / (successes + failures + 2) (the long-run value of the incremental update, prior 0.5).
 * Among items retrieved at least MIN_RETRIEVALS times whose Q is below the executor's running success rate,
 * the lowest RETIRE_SHARE of the eligible items (at least one) are retired; the rest kept. The learning rate,
 * thresholds and share are ours: the paper's retirement rule was not confirmed.
 */
import type { DecisionBatch } from "../types.js";
import { ruleCurator } from "./rule.js";

export const MEMRL_PARAMS = { minRetrievals: 3, retireShare: 0.1 } as const;

export function memrlUtility(successes: number, failures: number): number {
  return (successes + 1) / (successes + failures + 2);
}

export function memrlPolicy(b: DecisionBatch): Int8Array {
  const out = new Int8Array(b.rows);
  const eligible: number[] = [];
  for (let r = 0; r < b.rows; r++) if (b.items[r].timesRetrieved >= MEMRL_PARAMS.minRetrievals) eligible.push(r);
  const q = (r: number) => memrlUtility(b.items[r].successes, b.items[r].failures);
  eligible.sort((x, y) => q(x) - q(y) || x - y);
  const n = Math.max(1, Math.floor(MEMRL_PARAMS.retireShare * eligible.length));
  for (const r of eligible.slice(0, n)) if (q(r) < b.executor.successRate) out[r] = 3;
  return out;
}

export const memrlCurator = ruleCurator("memrl", memrlPolicy);
