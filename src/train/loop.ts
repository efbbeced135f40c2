/**
 * The training loop shared by every algorithm: seeded minibatch order, Adam, per-epoch validation, early
 * stopping, and a checkpoint after every epoch (weights, optimiser state, metrics) so that a killed run
 * resumes to the same bytes.
 */
import { NUM_FEATURES } from "../features/featurizer.js";
import { tf } from "./tf.js";
import { maskedLogits, type Normalization } from "./model.js";
import { gather, type TrainData } from "./data.js";
import type { AlgoDef, Targets } from "./algorithms/types.js";
import { Rng } from "../util/rng.js";

export interface LoopConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  val_loss: number | null;
  /** Mean regret of the argmax action against the best counterfactual action (labels only); lower is better. */
  val_regret: number | null;
  /** Share of validation decisions whose argmax is the counterfactual best action (labels only). */
  val_best_action: number | null;
  val_metric: number;
}

export interface LoopState {
  epoch: number; // epochs completed
  bestMetric: number;
  bestEpoch: number;
  bestWeights: Float32Array[] | null;
  stale: number;
  metrics: EpochMetrics[];
}

interface SplitTensors {
  x: tf.Tensor2D;
  mask: tf.Tensor2D;
  targets: Record<string, tf.Tensor2D>;
  rows: number;
}

function tensorsFor(data: TrainData, rows: Int32Array, targets: Targets, norm: Normalization): SplitTensors {
  return tf.tidy(() => ({
    x: tf.tensor2d(gather(data.features, NUM_FEATURES, rows), [rows.length, NUM_FEATURES]).sub(norm.mean).div(norm.std) as tf.Tensor2D,
    mask: tf.tensor2d(gather(data.masks, 4, rows), [rows.length, 4]),
    targets: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, tf.tensor2d(v, [rows.length, 4])])),
    rows: rows.length,
  }));
}

export async function trainLoop<C>(args: {
  model: tf.LayersModel;
  algo: AlgoDef;
  cfg: C;
  loop: LoopConfig;
  data: TrainData;
  split: { train: Int32Array; val: Int32Array };
  targets: { train: Targets; val: Targets };
  norm: Normalization;
  seed: number;
  state: LoopState;
  optimizer: tf.Optimizer;
  checkpoint: (state: LoopState) => Promise<void>;
  onEpoch?: (m: EpochMetrics) => void;
}): Promise<LoopState> {
  const { model, algo, cfg, loop, data, split, norm, state, optimizer } = args;
  const tr = tensorsFor(data, split.train, args.targets.train, norm);
  const va = split.val.length ? tensorsFor(data, split.val, args.targets.val, norm) : null;
  const lossOf = (x: tf.Tensor2D, m: tf.Tensor2D, t: Record<string, tf.Tensor2D>) =>
    algo.loss(maskedLogits(model.apply(x, { training: true }) as tf.Tensor2D, m), t, cfg);

  try {
    while (state.epoch < loop.epochs && state.stale < loop.patience) {
      const order = shuffled(tr.rows, new Rng([args.seed, state.epoch, 0xe9]));
      let lossSum = 0;
      let batches = 0;
      for (let b = 0; b < tr.rows; b += loop.batchSize) {
        const idx = tf.tensor1d(order.subarray(b, Math.min(tr.rows, b + loop.batchSize)), "int32");
        const cost = optimizer.minimize(() =>
          tf.tidy(() =>
            lossOf(
              tf.gather(tr.x, idx),
              tf.gather(tr.mask, idx),
              Object.fromEntries(Object.entries(tr.targets).map(([k, v]) => [k, tf.gather(v, idx)])),
            ),
          ),
        true) as tf.Scalar;
        lossSum += (await cost.data())[0];
        batches++;
        tf.dispose([cost, idx]);
      }
      const m = evaluate(model, algo, cfg, va, data, split.val);
      const metrics: EpochMetrics = { epoch: state.epoch + 1, loss: lossSum / Math.max(1, batches), ...m };
      state.metrics.push(metrics);
      state.epoch++;
      if (metrics.val_metric < state.bestMetric - 1e-9) {
        state.bestMetric = metrics.val_metric;
        state.bestEpoch = state.epoch;
        state.bestWeights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        state.stale = 0;
      } else state.stale++;
      args.onEpoch?.(metrics);
      await args.checkpoint(state);
    }
  } finally {
    tf.dispose([tr.x, tr.mask, ...Object.values(tr.targets)]);
    if (va) tf.dispose([va.x, va.mask, ...Object.values(va.targets)]);
  }
  return state;
}

function evaluate(
  model: tf.LayersModel,
  algo: AlgoDef,
  cfg: unknown,
  va: SplitTensors | null,
  data: TrainData,
  valRows: Int32Array,
): Omit<EpochMetrics, "epoch" | "loss"> {
  if (!va) return { val_loss: null, val_regret: null, val_best_action: null, val_metric: 0 };
  const { loss, probs } = tf.tidy(() => {
    const logits = maskedLogits(model.predict(va.x) as tf.Tensor2D, va.mask);
    return { loss: algo.loss(logits, va.targets, cfg).dataSync()[0], probs: tf.softmax(logits).dataSync() as Float32Array };
  });
  if (!data.cfReward) return { val_loss: loss, val_regret: null, val_best_action: null, val_metric: loss };
  let regret = 0;
  let hits = 0;
  for (let i = 0; i < valRows.length; i++) {
    const r = valRows[i];
    let pick = 0;
    for (let a = 1; a < 4; a++) if (probs[i * 4 + a] > probs[i * 4 + pick]) pick = a;
    let best = 0;
    for (let a = 1; a < 4; a++)
      if (data.masks[r * 4 + a] > 0 && data.cfReward[r * 4 + a] > data.cfReward[r * 4 + best]) best = a;
    regret += data.cfReward[r * 4 + best] - data.cfReward[r * 4 + pick];
    hits += pick === best ? 1 : 0;
  }
  const n = Math.max(1, valRows.length);
  return { val_loss: loss, val_regret: regret / n, val_best_action: hits / n, val_metric: regret / n };
}

function shuffled(n: number, rng: Rng): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
