/**
 * bc — behaviour cloning of the oracle: supervised learning on counterfactual labels (collect --labels oracle).
 * Pomerleau 1991, "Efficient training of artificial neural networks for autonomous navigation"; as used for
 * imitation of a privileged expert in Chen et al. 2019, "Learning by Cheating".
 *
 * Target: a soft distribution over the allowed actions, softmax(counterfactual reward / temperature). A small
 * temperature approaches cross-entropy to the best action; a larger one keeps the ranking of the others,
 * which helps when two actions are nearly tied (labels come from finite rollouts).
 *
 * Cost-sensitive weighting (`stakesWeighting`): each row's cross-entropy is weighted by its stakes, the spread
 * between the best and worst allowed counterfactual reward, normalised to mean 1. Near-ties, where the label
 * is mostly rollout noise, then count little; decisions where a wrong action is expensive count a lot.
 */
import { NUM_ACTIONS } from "../../actions.js";
import { z } from "zod";
import { tf } from "../tf.js";
import { allRows, type AlgoDef } from "./types.js";
import type { TrainData } from "../data.js";
import { crossEntropy, crossEntropyAndGrad } from "./losses.js";

export const BcConfig = z
  .object({
    temperature: z
      .number()
      .positive()
      .default(0.05)
      .describe("softmax temperature over counterfactual rewards (reward units)"),
    labelSmoothing: z.number().min(0).max(0.5).default(0.0).describe("mass spread uniformly over allowed actions"),
    stakesWeighting: z.boolean().default(true).describe("weight rows by the spread of their counterfactual rewards"),
  })
  .strict();

export const bc: AlgoDef<typeof BcConfig> = {
  summary: "behaviour cloning of the counterfactual oracle (soft targets)",
  config: BcConfig,
  requiresLabels: true,
  prepare(data, rows, cfg) {
    const { target, stakes } = softTargets(data, rows, cfg);
    let meanStakes = 0;
    for (const s of stakes) meanStakes += s / stakes.length;
    return { target: weighted(target, stakes, meanStakes, cfg) };
  },
  async prepareStream(source, cfg) {
    // The mean of the stakes over every row, summed in the order prepare sums them (stakes are float32 there).
    let meanStakes = 0;
    if (cfg.stakesWeighting)
      for await (const block of source.blocks()) {
        const { stakes } = softTargets(block, allRows(block.rows), cfg);
        for (const s of stakes) meanStakes += s / source.rows;
      }
    return {
      targets: (block) => {
        const { target, stakes } = softTargets(block, allRows(block.rows), cfg);
        return { target: weighted(target, stakes, meanStakes, cfg) };
      },
    };
  },
  loss: (maskedLogits, t) => crossEntropy(tf, maskedLogits, t.target),
  lossAndGrad: (maskedLogits, t) => crossEntropyAndGrad(tf, maskedLogits, t.target),
};

/** Per row: softmax(counterfactual reward / temperature) over the allowed actions, and the row's stakes. */
function softTargets(
  data: TrainData,
  rows: Int32Array,
  cfg: z.output<typeof BcConfig>,
): { target: Float32Array; stakes: Float32Array } {
  const target = new Float32Array(rows.length * NUM_ACTIONS);
  const stakes = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let best = -Infinity;
    let worst = Infinity;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (data.masks[r * NUM_ACTIONS + a] > 0) {
        best = Math.max(best, data.cfReward![r * NUM_ACTIONS + a]);
        worst = Math.min(worst, data.cfReward![r * NUM_ACTIONS + a]);
      }
    stakes[i] = best - worst;
    let total = 0;
    let allowed = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) {
      if (data.masks[r * NUM_ACTIONS + a] <= 0) continue;
      const v = Math.exp((data.cfReward![r * NUM_ACTIONS + a] - best) / cfg.temperature);
      target[i * NUM_ACTIONS + a] = v;
      total += v;
      allowed++;
    }
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (data.masks[r * NUM_ACTIONS + a] > 0)
        target[i * NUM_ACTIONS + a] =
          (1 - cfg.labelSmoothing) * (target[i * NUM_ACTIONS + a] / total) + cfg.labelSmoothing / allowed;
  }
  return { target, stakes };
}

/** Stakes weighting (in place): each row's target times its stakes over the mean stakes. */
function weighted(
  target: Float32Array,
  stakes: Float32Array,
  meanStakes: number,
  cfg: z.output<typeof BcConfig>,
): Float32Array {
  if (!cfg.stakesWeighting) return target;
  for (let i = 0; i < stakes.length; i++) {
    const w = meanStakes > 0 ? stakes[i] / meanStakes : 1;
    for (let a = 0; a < NUM_ACTIONS; a++) target[i * NUM_ACTIONS + a] *= w;
  }
  return target;
}
