/**
 * Counterfactual action values from forked rollouts, and the oracle curator built on them.
 *
 * For each live item and each allowed action, the world is forked, that one action is applied, and the fork is
 * rolled forward `horizon` tasks with no further curation. The value is the expected number of successes
 * (the sum of success probabilities, which removes the outcome-draw noise) and the cost over those tasks.
 * All forks share their future (common random numbers), so value differences are the action's own effect.
 * Items are valued one at a time against an otherwise-kept library; interactions between actions in the same
 * pass are ignored (a documented approximation).
 */
import type { Curator, DecisionBatch } from "../curators/types.js";
import { applyMask } from "../curators/types.js";
import type { SkillWorld } from "./world.js";
import { reward, type RewardConfig, DEFAULT_REWARD } from "../reward.js";

export interface Counterfactuals {
  /** rows × 4 expected successes over the horizon; NaN where the action is masked. */
  success: Float64Array;
  /** rows × 4 cost (USD) over the horizon, including the action's own call. */
  cost: Float64Array;
}

export interface OracleContext {
  world: SkillWorld;
  horizon: number;
  cached?: Counterfactuals;
}

function rollout(w: SkillWorld, horizon: number): { success: number; cost: number } {
  let success = 0;
  let cost = w.pendingCurationCost;
  w.pendingCurationCost = 0;
  for (let k = 0; k < horizon; k++) {
    const r = w.runTask();
    success += r.pSuccess;
    cost += r.cost;
  }
  return { success, cost };
}

export function counterfactualValues(world: SkillWorld, masks: Float32Array, horizon: number): Counterfactuals {
  const n = world.items.length;
  const success = new Float64Array(n * 4).fill(NaN);
  const cost = new Float64Array(n * 4).fill(NaN);
  const base = rollout(world.fork(), horizon);
  for (let i = 0; i < n; i++) {
    success[i * 4] = base.success;
    cost[i * 4] = base.cost;
    for (let a = 1; a < 4; a++) {
      if (masks[i * 4 + a] <= 0) continue;
      const f = world.fork();
      const one = new Int32Array(n);
      one[i] = a;
      f.applyActions(one);
      const r = rollout(f, horizon);
      success[i * 4 + a] = r.success;
      cost[i * 4 + a] = r.cost;
    }
  }
  return { success, cost };
}

export function oracleContext(batch: DecisionBatch): OracleContext {
  const ctx = batch.privileged as OracleContext | undefined;
  if (!ctx?.world) throw new Error("The oracle curator only runs inside the simulated world.");
  return ctx;
}

/**
 * The oracle: per item, a softmax (temperature `temperature`) over the counterfactual rewards of the allowed
 * actions. Near one-hot on the best action, yet it ranks confident decisions first under a change cap.
 */
export function oracleCurator(rewardCfg: RewardConfig = DEFAULT_REWARD, temperature = 0.02): Curator {
  return {
    name: "oracle",
    probs(batch) {
      const ctx = oracleContext(batch);
      ctx.cached ??= counterfactualValues(ctx.world, batch.masks, ctx.horizon);
      return valuesToProbs(ctx.cached, batch.masks, batch.rows, rewardCfg, temperature);
    },
  };
}

export function valuesToProbs(
  cf: Counterfactuals,
  masks: Float32Array,
  rows: number,
  rewardCfg: RewardConfig,
  temperature: number,
): Float32Array {
  const out = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    const v = [0, 0, 0, 0];
    for (let a = 0; a < 4; a++) {
      v[a] = masks[r * 4 + a] > 0 ? reward(cf.success[r * 4 + a], cf.cost[r * 4 + a], rewardCfg) : -Infinity;
      if (v[a] > best) best = v[a];
    }
    for (let a = 0; a < 4; a++) out[r * 4 + a] = v[a] === -Infinity ? 0 : Math.exp((v[a] - best) / temperature);
  }
  return applyMask(out, masks, rows);
}
