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
import { NUM_ACTIONS } from "../actions.js";
import type { Curator, DecisionBatch } from "../curators/types.js";
import { applyMask } from "../curators/types.js";
import type { SkillWorld } from "./world.js";
import { reward, type RewardConfig, DEFAULT_REWARD } from "../reward.js";
import { itemLabels, type Counterfactuals } from "../labels/rollout.js";
import { simExecutor } from "./forkable.js";

/** rows × 4 expected successes and cost (USD, including the action's own call) over the horizon; NaN where masked. */
export type { Counterfactuals } from "../labels/rollout.js";

/**
 * What the oracle reads at a pass: the simulated world to fork (with the rollout horizon), or, on any other
 * forkable executor (an endpoint harness), `values`, which runs the same rollout routine over that executor's
 * forks for every item (src/endpoint-run/stream.ts).
 */
export interface OracleContext {
  world?: SkillWorld;
  horizon?: number;
  values?: (masks: Float32Array) => Promise<Counterfactuals>;
  cached?: Counterfactuals;
}

/**
 * The counterfactual values of every live item under each allowed action: the shared rollout-labelling routine
 * (src/labels/rollout.ts) over the world as a forkable executor, every item labelled. `collect --labels rollout`
 * on the simulator runs the same routine, so its labels equal these bit for bit.
 */
export async function counterfactualValues(
  world: SkillWorld,
  masks: Float32Array,
  horizon: number,
): Promise<Counterfactuals> {
  const rows = Array.from({ length: world.items.length }, (_, i) => i);
  return (await itemLabels(simExecutor(world), world.items.length, masks, rows, horizon)).labels;
}

export function oracleContext(batch: DecisionBatch): OracleContext {
  const ctx = batch.privileged as OracleContext | undefined;
  if (!ctx?.values && !(ctx?.world && ctx.horizon !== undefined))
    throw new Error(
      "The oracle curator runs only where its rollouts can run: the simulated world, or an endpoint eval that names it.",
    );
  return ctx;
}

/**
 * The oracle: per item, a softmax (temperature `temperature`) over the counterfactual rewards of the allowed
 * actions. Near one-hot on the best action, yet it ranks confident decisions first under a change cap.
 */
export function oracleCurator(rewardCfg: RewardConfig = DEFAULT_REWARD, temperature = 0.02): Curator {
  return {
    name: "oracle",
    async probs(batch) {
      const ctx = oracleContext(batch);
      ctx.cached ??= ctx.values
        ? await ctx.values(batch.masks)
        : await counterfactualValues(ctx.world!, batch.masks, ctx.horizon!);
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
  const out = new Float32Array(rows * NUM_ACTIONS);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    const v = [0, 0, 0, 0];
    for (let a = 0; a < NUM_ACTIONS; a++) {
      v[a] =
        masks[r * NUM_ACTIONS + a] > 0
          ? reward(cf.success[r * NUM_ACTIONS + a], cf.cost[r * NUM_ACTIONS + a], rewardCfg)
          : -Infinity;
      if (v[a] > best) best = v[a];
    }
    for (let a = 0; a < NUM_ACTIONS; a++)
      out[r * NUM_ACTIONS + a] = v[a] === -Infinity ? 0 : Math.exp((v[a] - best) / temperature);
  }
  return applyMask(out, masks, rows);
}
