/**
 * Small value networks the TD algorithms (iql, cql) fit inside `prepare`, before the shared loop trains the
 * exported policy: seeded Dense MLPs, seeded minibatch order, Adam, and target networks (Polyak averaging or
 * hard copies). Everything runs on the training backend and is deterministic: same data and seed, same bits.
 */
import { NUM_ACTIONS } from "../../actions.js";
import { tf } from "../tf.js";
import { NUM_FEATURES } from "../../features/featurizer.js";
import { MASK_NEG } from "../model.js";
import { gather } from "../data.js";
import { Rng } from "../../util/rng.js";
import type { Transitions } from "./transitions.js";
import { denseGrads, denseStack, type DenseLayer } from "../dense-backprop.js";
import { HostAdam } from "../adam.js";
import type { LossAndGrad } from "./types.js";

export function mlp(hidden: readonly number[], outputs: number, seed: number): tf.Sequential {
  const m = tf.sequential();
  hidden.forEach((units, i) =>
    m.add(
      tf.layers.dense({
        units,
        activation: "relu",
        inputShape: i === 0 ? [NUM_FEATURES] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + i }),
      }),
    ),
  );
  m.add(
    tf.layers.dense({
      units: outputs,
      inputShape: hidden.length === 0 ? [NUM_FEATURES] : undefined,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + 99 }),
    }),
  );
  return m;
}

export const trainable = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.read() as tf.Variable);

/** target ← (1 − tau) · target + tau · online (tau = 1: a hard copy). */
export function updateTarget(online: tf.LayersModel, target: tf.LayersModel, tau: number): void {
  tf.tidy(() => {
    const src = trainable(online);
    trainable(target).forEach((t, i) => t.assign(tau >= 1 ? src[i] : tf.add(tf.mul(t, 1 - tau), tf.mul(src[i], tau))));
  });
}

/** A copy of `m` with the same weights (a target network). */
export function cloneNet(m: tf.Sequential, hidden: readonly number[], outputs: number): tf.Sequential {
  const c = mlp(hidden, outputs, 0);
  updateTarget(m, c, 1);
  return c;
}

/** The network's outputs for rows × F inputs, on the host. */
export function predictRows(m: tf.LayersModel, x: Float32Array, rows: number): Float32Array {
  if (rows === 0) return new Float32Array(0);
  return tf.tidy(
    () => (m.apply(tf.tensor2d(x, [rows, NUM_FEATURES]), { training: false }) as tf.Tensor).dataSync() as Float32Array,
  );
}

/** One minibatch of transitions as tensors (rows in the order given). */
export interface CriticBatch {
  x: tf.Tensor2D;
  xNext: tf.Tensor2D;
  /** (1 − mask) · MASK_NEG: added to Q-values to leave masked actions out of max / logsumexp */
  maskAdd: tf.Tensor2D;
  maskNextAdd: tf.Tensor2D;
  onehot: tf.Tensor2D;
  reward: tf.Tensor2D; // n × 1
  live: tf.Tensor2D; // n × 1
}

function batchOf(t: Transitions, idx: Int32Array): CriticBatch {
  const n = idx.length;
  const F = NUM_FEATURES;
  const onehot = new Float32Array(n * NUM_ACTIONS);
  const reward = new Float32Array(n);
  const live = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    onehot[i * NUM_ACTIONS + t.action[idx[i]]] = 1;
    reward[i] = t.reward[idx[i]];
    live[i] = t.live[idx[i]];
  }
  const add = (m: Float32Array) =>
    Float32Array.from(gather(m, NUM_ACTIONS, idx), (v) => Math.fround(1 - v) * Math.fround(MASK_NEG));
  return {
    x: tf.tensor2d(gather(t.x, F, idx), [n, F]),
    xNext: tf.tensor2d(gather(t.xNext, F, idx), [n, F]),
    maskAdd: tf.tensor2d(add(t.mask), [n, NUM_ACTIONS]),
    maskNextAdd: tf.tensor2d(add(t.maskNext), [n, NUM_ACTIONS]),
    onehot: tf.tensor2d(onehot, [n, NUM_ACTIONS]),
    reward: tf.tensor2d(reward, [n, 1]),
    live: tf.tensor2d(live, [n, 1]),
  };
}

/** Seeded epochs of shuffled minibatches; `step` gets each batch (disposed after it returns). */
export function forEachBatch(
  t: Transitions,
  epochs: number,
  batchSize: number,
  seed: number,
  step: (b: CriticBatch) => void,
): void {
  for (let e = 0; e < epochs; e++) {
    const rng = new Rng([seed, e, 0xc217]);
    const order = new Int32Array(t.rows);
    for (let i = 0; i < t.rows; i++) order[i] = i;
    for (let i = t.rows - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let b = 0; b < t.rows; b += batchSize) {
      const batch = batchOf(t, order.subarray(b, Math.min(t.rows, b + batchSize)));
      try {
        step(batch);
      } finally {
        tf.dispose(Object.values(batch));
      }
    }
  }
}

/** Q(s, a_logged) from rows × 4 Q-values. */
export const taken = (q: tf.Tensor2D, onehot: tf.Tensor2D) => tf.sum(tf.mul(q, onehot), 1, true) as tf.Tensor2D;

/**
 * A critic trained by the loop's fast path: forward without a tape, d loss / d outputs in closed form from the
 * caller, back-propagation by hand and Adam on the host (see src/train/loop.ts for why: several times faster
 * on wasm than autodiff, and deterministic).
 */
export class Critic {
  readonly net: tf.Sequential;
  private readonly layers: DenseLayer[];
  private readonly opt: tf.Optimizer;
  private readonly adam: HostAdam;

  constructor(hidden: readonly number[], outputs: number, seed: number, learningRate: number) {
    this.net = mlp(hidden, outputs, seed);
    this.opt = tf.train.adam(learningRate);
    const layers = denseStack(this.net);
    const adam =
      layers &&
      HostAdam.from(
        this.opt,
        layers.flatMap((l) => [l.kernel, l.bias]),
      );
    if (!layers || !adam) throw new Error("critic: expected a plain Dense stack and Adam");
    this.layers = layers;
    this.adam = adam;
  }

  /** One Adam step on a batch; `lossOfOutputs` gives the loss and its gradient with respect to the outputs. */
  step(x: tf.Tensor2D, lossOfOutputs: (out: tf.Tensor2D) => LossAndGrad): void {
    const { loss, grads } = denseGrads(this.layers, x, lossOfOutputs);
    this.adam.step(grads.map((g) => g.dataSync()));
    tf.dispose([loss, ...grads]);
  }

  dispose(): void {
    this.net.dispose();
    this.opt.dispose();
  }
}
