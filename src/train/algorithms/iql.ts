/**
 * iql — implicit Q-learning from logged behaviour (offline RL, no counterfactual labels needed).
 * Kostrikov, Nair, Levine 2021, "Offline Reinforcement Learning with Implicit Q-Learning"; conventions and
 * defaults of d3rlpy's IQL (expectile 0.7, max_weight 100, two critics, Polyak τ 0.005; weight_temp 10, not 3).
 *
 * Data: decision rows as any collector writes them (`--labels none` is enough). Reward r: the logged action's
 * per-item reward over the horizon (as awr). Next state s': the same item at the stream's next pass
 * (next-row.ts, transitions.ts); retired items and last passes are terminal.
 *
 * Critics, fitted in `prepare` (never querying an action the data lacks):
 *   Q_k(s, a) ← r + γ · V(s')                                   (k = 1..critics, squared error)
 *   V(s)     ← expectile_τ of min_k Q̄_k(s, a_logged)           (|τ − 1[u < 0]| · u², u = Q̄ − V)
 * with Q̄ the Polyak-averaged target critics. Policy extraction (the shared loop trains the exported policy):
 *   maximise Σ w · log π(a_logged | s),  w = min(maxWeight, exp(weightTemp · (min_k Q̄_k(s, a) − V(s)))).
 *
 * The horizon reward already sums K tasks (K = 2 × curation interval by default), so consecutive passes'
 * rewards overlap: γ > 0 counts the overlap again. The default γ is what measured best (docs/results/offline-rl.md).
 */
import { NUM_ACTIONS } from "../../actions.js";
import { minOf } from "../../util/arrays.js";
import { z } from "zod";
import { tf } from "../tf.js";
import { normalizationFrom } from "../data.js";
import type { AlgoDef } from "./types.js";
import { crossEntropy, crossEntropyAndGrad } from "./losses.js";
import { transitions } from "./transitions.js";
import { Critic, cloneNet, forEachBatch, predictRows, taken, updateTarget } from "./critic.js";

export const IqlConfig = z
  .object({
    gamma: z
      .number()
      .min(0)
      .max(0.999)
      .default(0.5)
      .describe("discount per curation pass (the next state is the item's next pass)"),
    expectile: z
      .number()
      .gt(0.5)
      .lt(1)
      .default(0.7)
      .describe("τ of the expectile regression of V on Q (0.5 = mean, → 1 = max)"),
    weightTemp: z
      .number()
      .positive()
      .default(10)
      .describe(
        "inverse temperature of the advantage weights exp(weightTemp · A) (d3rlpy: 3; 10 measured better here)",
      ),
    maxWeight: z.number().positive().default(100).describe("clip on the advantage weights"),
    critics: z
      .number()
      .int()
      .min(1)
      .max(4)
      .default(2)
      .describe("Q networks; targets and advantages take their minimum"),
    targetTau: z.number().gt(0).max(1).default(0.005).describe("Polyak rate of the target critics per step"),
    criticEpochs: z.number().int().positive().default(20).describe("passes over the rows fitting Q and V"),
    criticHidden: z.array(z.number().int().positive()).default([64, 64]).describe("hidden units of Q and V"),
    criticLearningRate: z.number().positive().default(1e-3).describe("Adam learning rate of Q and V"),
    criticBatchSize: z.number().int().positive().default(256).describe("rows per critic step"),
  })
  .strict();
type Cfg = z.output<typeof IqlConfig>;

export const iql: AlgoDef<typeof IqlConfig> = {
  summary: "implicit Q-learning (expectile V, TD Q over passes, advantage-weighted policy) on logged behaviour",
  config: IqlConfig,
  requiresLabels: false,
  prepare(data, rows, cfg, seed) {
    const t = transitions(data, rows, normalizationFrom(data, rows));
    const { advantage } = fitIql(t, cfg, seed);
    const target = new Float32Array(rows.length * NUM_ACTIONS);
    for (let i = 0; i < rows.length; i++)
      target[i * NUM_ACTIONS + t.action[i]] = Math.min(cfg.maxWeight, Math.exp(cfg.weightTemp * advantage[i]));
    return { target };
  },
  loss: (maskedLogits, t) => crossEntropy(tf, maskedLogits, t.target),
  lossAndGrad: (maskedLogits, t) => crossEntropyAndGrad(tf, maskedLogits, t.target),
};

/** Fits the critics; returns A(s, a_logged) = min_k Q̄_k(s, a_logged) − V(s) per row. */
export function fitIql(t: ReturnType<typeof transitions>, cfg: Cfg, seed: number): { advantage: Float32Array } {
  if (t.rows === 0) return { advantage: new Float32Array(0) };
  const q = Array.from(
    { length: cfg.critics },
    (_, k) => new Critic(cfg.criticHidden, NUM_ACTIONS, seed * 10 + 1 + k, cfg.criticLearningRate),
  );
  const qTarget = q.map((c) => cloneNet(c.net, cfg.criticHidden, NUM_ACTIONS));
  const v = new Critic(cfg.criticHidden, 1, seed * 10 + 9, cfg.criticLearningRate);
  try {
    forEachBatch(t, cfg.criticEpochs, cfg.criticBatchSize, seed, (b) => {
      const n = b.x.shape[0];
      const y = tf.tidy(() => tf.add(b.reward, tf.mul(tf.mul(b.live, cfg.gamma), v.net.apply(b.xNext) as tf.Tensor2D)));
      for (const c of q)
        c.step(b.x, (out) => {
          const diff = tf.sub(taken(out, b.onehot), y);
          return {
            loss: tf.mean(tf.square(diff)) as tf.Scalar,
            grad: tf.mul(b.onehot, tf.mul(diff, 2 / n)) as tf.Tensor2D,
          };
        });
      const qt = tf.tidy(() =>
        qTarget.map((m) => taken(m.apply(b.x) as tf.Tensor2D, b.onehot)).reduce((a, c) => tf.minimum(a, c)),
      );
      v.step(b.x, (out) => {
        const u = tf.sub(qt, out);
        const w = tf.add(1 - cfg.expectile, tf.mul(tf.step(u), 2 * cfg.expectile - 1)); // |τ − 1[u < 0]|
        return {
          loss: tf.mean(tf.mul(w, tf.square(u))) as tf.Scalar,
          grad: tf.mul(tf.mul(w, u), -2 / n) as tf.Tensor2D,
        };
      });
      tf.dispose([y, qt]);
      q.forEach((c, k) => updateTarget(c.net, qTarget[k], cfg.targetTau));
    });
    const qs = qTarget.map((m) => predictRows(m, t.x, t.rows));
    const vs = predictRows(v.net, t.x, t.rows);
    const advantage = new Float32Array(t.rows);
    for (let i = 0; i < t.rows; i++) advantage[i] = minOf(qs.map((qk) => qk[i * NUM_ACTIONS + t.action[i]])) - vs[i];
    return { advantage };
  } finally {
    [...q, ...qTarget, v].forEach((x) => x.dispose());
  }
}
