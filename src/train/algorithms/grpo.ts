/**
 * grpo — group-relative policy optimisation, offline, as SkillOS trains its curator.
 * Shao et al. 2024, "DeepSeekMath" (GRPO); SkillOS (trained curator over grouped task streams).
 *
 * Groups: the four forked rollouts of one decision state (collect --labels oracle). Every member starts from
 * the same library, the same executor and the same future task stream (common random numbers), and differs
 * only in the action applied to this one item, so comparing their returns is fair. Decisions from different
 * passes or streams are never grouped: their library states diverge, and a better return there says more
 * about the state than the action.
 *
 * Advantage: A_a = (R_a − mean_group R) / (std_group R + eps) over the allowed actions. Objective: the PPO-clip
 * surrogate with importance ratios ρ_a = π(a|s) / β(a|s) against the logged behaviour probabilities β, taken
 * in expectation under β over the whole group (all members are observed, so no sampling is needed):
 *   L = −Σ_a β(a|s) · min(ρ_a A_a, clip(ρ_a, 1 − ε, 1 + ε) A_a) + klCoef · KL(β ‖ π).
 */
import { NUM_ACTIONS } from "../../actions.js";
import { z } from "zod";
import { tf } from "../tf.js";
import { rowLocal, type AlgoDef, type Targets } from "./types.js";
import type { TrainData } from "../data.js";
import { logPolicy } from "./losses.js";

export const GrpoConfig = z
  .object({
    clip: z.number().positive().default(0.2).describe("ε of the clipped importance ratio"),
    klCoef: z.number().nonnegative().default(0.01).describe("weight of KL(behaviour ‖ policy)"),
    advantageEps: z.number().positive().default(0.05).describe("added to the group std before dividing (reward units)"),
  })
  .strict();

/** Per row: group-relative advantages of the allowed actions and the renormalised behaviour probabilities. */
function groupTargets(data: TrainData, rows: Int32Array, cfg: z.output<typeof GrpoConfig>): Targets {
  const adv = new Float32Array(rows.length * NUM_ACTIONS);
  const beta = new Float32Array(rows.length * NUM_ACTIONS);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let n = 0;
    let mean = 0;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (data.masks[r * NUM_ACTIONS + a] > 0) ((mean += data.cfReward![r * NUM_ACTIONS + a]), n++);
    mean /= Math.max(1, n);
    let varSum = 0;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (data.masks[r * NUM_ACTIONS + a] > 0) varSum += (data.cfReward![r * NUM_ACTIONS + a] - mean) ** 2;
    const sd = Math.sqrt(varSum / Math.max(1, n));
    let bTotal = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) {
      if (data.masks[r * NUM_ACTIONS + a] <= 0) continue;
      adv[i * NUM_ACTIONS + a] = (data.cfReward![r * NUM_ACTIONS + a] - mean) / (sd + cfg.advantageEps);
      beta[i * NUM_ACTIONS + a] = Math.max(1e-3, data.behaviorProbs[r * NUM_ACTIONS + a]);
      bTotal += beta[i * NUM_ACTIONS + a];
    }
    for (let a = 0; a < NUM_ACTIONS; a++) beta[i * NUM_ACTIONS + a] /= bTotal || 1;
  }
  return { adv, beta };
}

export const grpo: AlgoDef<typeof GrpoConfig> = {
  summary: "group-relative policy optimisation over forked-rollout groups, clipped ratios vs behaviour",
  config: GrpoConfig,
  requiresLabels: true,
  prepare: groupTargets,
  prepareStream: rowLocal(groupTargets),
  loss(maskedLogits, t, cfg) {
    return tf.tidy(() => {
      const logp = logPolicy(tf, maskedLogits);
      const logBeta = tf.log(tf.maximum(t.beta, 1e-8));
      const ratio = tf.exp(tf.sub(logp, logBeta));
      const unclipped = tf.mul(ratio, t.adv);
      const clipped = tf.mul(tf.clipByValue(ratio, 1 - cfg.clip, 1 + cfg.clip), t.adv);
      const surrogate = tf.sum(tf.mul(t.beta, tf.minimum(unclipped, clipped)), 1);
      const allowed = tf.cast(tf.greater(t.beta, 0), "float32");
      const kl = tf.sum(tf.mul(allowed, tf.mul(t.beta, tf.sub(logBeta, logp))), 1);
      return tf.mean(tf.sub(tf.mul(kl, cfg.klCoef), surrogate)) as tf.Scalar;
    });
  },
};
