/**
 * grpo-pass — group-relative policy optimisation over whole curation passes, as SkillOS trains its curator.
 * Shao et al. 2024, "DeepSeekMath" (GRPO); SkillOS (pass-level groups on the real executor); Memory-R2 (fair
 * groups: every member starts from the same snapshot).
 *
 * Groups (collect --labels rollout --rollout-groups G): G curation passes sampled from the behaviour policy on
 * one library state, each followed by the same next K tasks from the same snapshot. A member's return R_g is
 * its reward over those tasks (successes − λ × cost); its advantage A_g = (R_g − mean R) / (std R + eps) is
 * shared by every decision of the pass (pass-level credit, no per-item counterfactuals needed).
 *
 * Objective per decision row, the PPO-clip surrogate over the members' actions for that item (sampled from the
 * behaviour β, so the member average estimates the expectation under β):
 *   L = −(1/G) Σ_g min(ρ(a_g) A_g, clip(ρ(a_g), 1 − ε, 1 + ε) A_g) + klCoef · KL(β ‖ π),  ρ = π / β.
 * Members that took the same action share ρ, so the sum splits exactly into the positive and the negative
 * advantages per action: pos_a · min(ρ_a, clip ρ_a) + neg_a · max(ρ_a, clip ρ_a).
 */
import { NUM_ACTIONS } from "../../actions.js";
import { z } from "zod";
import { tf } from "../tf.js";
import type { AlgoDef } from "./types.js";
import { logPolicy } from "./losses.js";

export const GrpoPassConfig = z
  .object({
    clip: z.number().positive().default(0.2).describe("ε of the clipped importance ratio"),
    klCoef: z.number().nonnegative().default(0.01).describe("weight of KL(behaviour ‖ policy)"),
    advantageEps: z.number().positive().default(0.05).describe("added to the group std before dividing (reward units)"),
  })
  .strict();

export const grpoPass: AlgoDef<typeof GrpoPassConfig> = {
  summary:
    "group-relative policy optimisation over pass-level groups (whole passes from one snapshot), clipped ratios vs behaviour",
  config: GrpoPassConfig,
  requiresLabels: false,
  requiresGroups: true,
  prepare(data, rows, cfg) {
    const pos = new Float32Array(rows.length * NUM_ACTIONS);
    const neg = new Float32Array(rows.length * NUM_ACTIONS);
    const beta = new Float32Array(rows.length * NUM_ACTIONS);
    const g = data.groups;
    const advantage = g ? memberAdvantages(g.memberReward, g.memberGroup, g.groups, cfg.advantageEps) : null;
    const size = g ? groupSizes(g.memberGroup, g.groups) : null;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let bTotal = 0;
      for (let a = 0; a < NUM_ACTIONS; a++) {
        if (data.masks[r * NUM_ACTIONS + a] <= 0) continue;
        beta[i * NUM_ACTIONS + a] = Math.max(1e-3, data.behaviorProbs[r * NUM_ACTIONS + a]);
        bTotal += beta[i * NUM_ACTIONS + a];
      }
      for (let a = 0; a < NUM_ACTIONS; a++) beta[i * NUM_ACTIONS + a] /= bTotal || 1;
      if (!g || !advantage || !size) continue;
      for (let e = g.start[r]; e < g.start[r + 1]; e++) {
        const a = g.action[e];
        if (data.masks[r * NUM_ACTIONS + a] <= 0) continue; // the logged pass's cap masked it: π cannot take it here
        const m = g.member[e];
        const share = advantage[m] / size[g.memberGroup[m]];
        if (share > 0) pos[i * NUM_ACTIONS + a] += share;
        else neg[i * NUM_ACTIONS + a] += share;
      }
    }
    return { pos, neg, beta };
  },
  loss(maskedLogits, t, cfg) {
    return tf.tidy(() => {
      const logp = logPolicy(tf, maskedLogits);
      const logBeta = tf.log(tf.maximum(t.beta, 1e-8));
      const ratio = tf.exp(tf.sub(logp, logBeta));
      const clipped = tf.clipByValue(ratio, 1 - cfg.clip, 1 + cfg.clip);
      const surrogate = tf.sum(
        tf.add(tf.mul(t.pos, tf.minimum(ratio, clipped)), tf.mul(t.neg, tf.maximum(ratio, clipped))),
        1,
      );
      const allowed = tf.cast(tf.greater(t.beta, 0), "float32");
      const kl = tf.sum(tf.mul(allowed, tf.mul(t.beta, tf.sub(logBeta, logp))), 1);
      return tf.mean(tf.sub(tf.mul(kl, cfg.klCoef), surrogate)) as tf.Scalar;
    });
  },
};

/** (R − mean of its group) / (std of its group + eps), per member. */
function memberAdvantages(reward: Float64Array, group: Int32Array, groups: number, eps: number): Float64Array {
  const n = new Float64Array(groups);
  const mean = new Float64Array(groups);
  const sq = new Float64Array(groups);
  reward.forEach((v, m) => {
    n[group[m]]++;
    mean[group[m]] += v;
  });
  for (let k = 0; k < groups; k++) mean[k] /= Math.max(1, n[k]);
  reward.forEach((v, m) => (sq[group[m]] += (v - mean[group[m]]) ** 2));
  return reward.map((v, m) => (v - mean[group[m]]) / (Math.sqrt(sq[group[m]] / Math.max(1, n[group[m]])) + eps));
}

function groupSizes(group: Int32Array, groups: number): Int32Array {
  const size = new Int32Array(groups);
  for (const k of group) size[k]++;
  return size;
}
