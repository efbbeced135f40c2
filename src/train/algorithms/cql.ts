/**
 * cql — discrete conservative Q-learning from logged behaviour (offline RL, no counterfactual labels needed).
 * Kumar, Zhou, Tucker, Levine 2020, "Conservative Q-Learning for Offline Reinforcement Learning"; conventions
 * of d3rlpy's DiscreteCQL (a double-DQN critic with a Huber TD loss plus α · (logsumexp_a Q(s, a) − Q(s,
 * a_logged)), hard target copies every `targetUpdateInterval` steps).
 *
 * Data: as iql (transitions.ts): reward r of the logged action over the horizon, next state = the same item at
 * the stream's next pass, retired / last passes terminal. Masked actions are left out of the logsumexp and of
 * the max over next actions (a governance rule makes them impossible, not merely rare).
 *
 * Critic, fitted in `prepare`:
 *   L(Q) = Huber(Q(s, a) − [r + γ · Q̄(s', argmax_{a'} Q(s', a'))]) + α · (logsumexp_{a allowed} Q(s, a) − Q(s, a))
 * Policy (the exported network, trained by the shared loop): distilled from the conservative Q-values, cross-
 * entropy to softmax(Q(s, ·) / temperature) over the allowed actions; with `stakesWeighting` each row counts by
 * its spread max_a Q − min_a Q (normalised to mean 1), as bc weights by the oracle's spread. Evaluation takes
 * the argmax, which is the greedy action of Q.
 */
import { NUM_ACTIONS } from "../../actions.js";
import { z } from "zod";
import { tf } from "../tf.js";
import { normalizationFrom } from "../data.js";
import type { AlgoDef } from "./types.js";
import { crossEntropy, crossEntropyAndGrad } from "./losses.js";
import { transitions } from "./transitions.js";
import { Critic, cloneNet, forEachBatch, predictRows, taken, updateTarget } from "./critic.js";

export const CqlConfig = z
  .object({
    alpha: z.number().nonnegative().default(1).describe("weight of the conservative term logsumexp Q − Q(s, a_logged)"),
    gamma: z
      .number()
      .min(0)
      .max(0.999)
      .default(0.5)
      .describe("discount per curation pass (the next state is the item's next pass)"),
    targetUpdateInterval: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe("critic steps between hard copies to the target critic"),
    criticEpochs: z.number().int().positive().default(20).describe("passes over the rows fitting Q"),
    criticHidden: z.array(z.number().int().positive()).default([64, 64]).describe("hidden units of Q"),
    criticLearningRate: z.number().positive().default(1e-3).describe("Adam learning rate of Q"),
    criticBatchSize: z.number().int().positive().default(256).describe("rows per critic step"),
    temperature: z
      .number()
      .positive()
      .default(0.05)
      .describe("softmax temperature of the distilled policy over Q (reward units)"),
    stakesWeighting: z
      .boolean()
      .default(true)
      .describe("weight rows by the spread of their Q-values over allowed actions"),
  })
  .strict();
type Cfg = z.output<typeof CqlConfig>;

export const cql: AlgoDef<typeof CqlConfig> = {
  summary:
    "discrete conservative Q-learning (double-DQN critic + CQL penalty) on logged behaviour, distilled to the policy",
  config: CqlConfig,
  requiresLabels: false,
  prepare(data, rows, cfg, seed) {
    const t = transitions(data, rows, normalizationFrom(data, rows));
    const q = fitCql(t, cfg, seed);
    return { target: softTargets(q, t.mask, t.rows, cfg.temperature, cfg.stakesWeighting) };
  },
  loss: (maskedLogits, t) => crossEntropy(tf, maskedLogits, t.target),
  lossAndGrad: (maskedLogits, t) => crossEntropyAndGrad(tf, maskedLogits, t.target),
};

/** Fits the conservative critic; returns rows × 4 Q-values. */
export function fitCql(t: ReturnType<typeof transitions>, cfg: Cfg, seed: number): Float32Array {
  if (t.rows === 0) return new Float32Array(0);
  const q = new Critic(cfg.criticHidden, NUM_ACTIONS, seed * 10 + 3, cfg.criticLearningRate);
  const qTarget = cloneNet(q.net, cfg.criticHidden, NUM_ACTIONS);
  let steps = 0;
  try {
    forEachBatch(t, cfg.criticEpochs, cfg.criticBatchSize, seed, (b) => {
      const n = b.x.shape[0];
      const y = tf.tidy(() => {
        const best = tf.argMax(tf.add(q.net.apply(b.xNext) as tf.Tensor2D, b.maskNextAdd), 1);
        const next = taken(
          qTarget.apply(b.xNext) as tf.Tensor2D,
          tf.oneHot(best, NUM_ACTIONS).toFloat() as tf.Tensor2D,
        );
        return tf.add(b.reward, tf.mul(tf.mul(b.live, cfg.gamma), next));
      });
      q.step(b.x, (out) => {
        const qa = taken(out, b.onehot);
        const d = tf.sub(qa, y);
        const absD = tf.abs(d);
        const huber = tf.mean(tf.where(tf.lessEqual(absD, 1), tf.mul(tf.square(d), 0.5), tf.sub(absD, 0.5)));
        const masked = tf.add(out, b.maskAdd);
        const conservative = tf.mean(tf.sub(tf.logSumExp(masked, 1, true), qa));
        const gradTd = tf.mul(b.onehot, tf.div(tf.clipByValue(d, -1, 1), n));
        const gradCons = tf.mul(tf.sub(tf.softmax(masked), b.onehot), cfg.alpha / n);
        return {
          loss: tf.add(huber, tf.mul(conservative, cfg.alpha)) as tf.Scalar,
          grad: tf.add(gradTd, gradCons) as tf.Tensor2D,
        };
      });
      y.dispose();
      if (++steps % cfg.targetUpdateInterval === 0) updateTarget(q.net, qTarget, 1);
    });
    return predictRows(q.net, t.x, t.rows);
  } finally {
    [q, qTarget].forEach((x) => x.dispose());
  }
}

/** softmax(Q / temperature) over allowed actions per row, optionally scaled by the row's Q spread (mean 1). */
function softTargets(
  q: Float32Array,
  mask: Float32Array,
  rows: number,
  temperature: number,
  stakesWeighting: boolean,
): Float32Array {
  const target = new Float32Array(rows * NUM_ACTIONS);
  const stakes = new Float64Array(rows);
  let meanStakes = 0;
  for (let i = 0; i < rows; i++) {
    let best = -Infinity;
    let worst = Infinity;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (mask[i * NUM_ACTIONS + a] > 0) {
        best = Math.max(best, q[i * NUM_ACTIONS + a]);
        worst = Math.min(worst, q[i * NUM_ACTIONS + a]);
      }
    let total = 0;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (mask[i * NUM_ACTIONS + a] > 0)
        total += target[i * NUM_ACTIONS + a] = Math.exp((q[i * NUM_ACTIONS + a] - best) / temperature);
    for (let a = 0; a < NUM_ACTIONS; a++) target[i * NUM_ACTIONS + a] /= total;
    stakes[i] = best - worst;
    meanStakes += stakes[i] / rows;
  }
  if (stakesWeighting && meanStakes > 0)
    for (let i = 0; i < rows; i++)
      for (let a = 0; a < NUM_ACTIONS; a++) target[i * NUM_ACTIONS + a] *= stakes[i] / meanStakes;
  return target;
}
