/**
 * The training loop shared by every algorithm: seeded minibatch order, Adam, per-epoch validation, early
 * stopping, and a checkpoint after every epoch (weights, optimiser state, metrics) so that a killed run
 * resumes to the same bytes.
 *
 * Speed (see `npm run bench`, train.samples): for a small MLP tfjs's cost is per kernel launch, not per flop, and
 * its autodiff differentiates a matMul with transposed matMuls, which the wasm backend runs on a slow generic
 * kernel (5-6x slower than the XNNPACK path here). So when the model is a plain stack of Dense layers the step
 * runs the MLP forward without a tape, takes d loss / d logits from the algorithm (its closed form when it has
 * one, else autodiff of its loss), back-propagates through the Dense layers by hand with explicit transposes,
 * and updates the weights with tfjs's Adam run on the host (HostAdam, same bits). Minibatches are gathered in
 * JS outside any tape. Any other model (dropout, other layers) or optimizer takes the generic
 * optimizer.minimize step. Both are deterministic.
 */
import { NUM_ACTIONS } from "../actions.js";
import { NUM_FEATURES } from "../features/featurizer.js";
import { tf } from "./tf.js";
import { MASK_NEG, maskedLogits, type Normalization } from "./model.js";
import { HostAdam } from "./adam.js";
import { denseGrads, denseStack } from "./dense-backprop.js";
import { gather, type TrainData } from "./data.js";
import type { AlgoDef, LossAndGrad, Targets } from "./algorithms/types.js";
import { Rng } from "../util/rng.js";

export interface LoopConfig {
  epochs: number;
  batchSize: number;
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
  /** What early stopping watches; null when there is no validation split (then every epoch runs). */
  val_metric: number | null;
}

export interface LoopState {
  epoch: number; // epochs completed
  bestMetric: number;
  bestEpoch: number;
  bestWeights: Float32Array[] | null;
  stale: number;
  metrics: EpochMetrics[];
}

export interface SplitTensors {
  x: tf.Tensor2D;
  mask: tf.Tensor2D;
  targets: Record<string, tf.Tensor2D>;
}

/** Training rows in split order, as flat arrays minibatches are gathered from. */
export interface SplitArrays {
  x: Float32Array; // rows × F, normalised
  maskAdd: Float32Array; // rows × 4, what maskedLogits adds to the logits
  targets: Targets;
  rows: number;
}

/**
 * The rows an epoch sees, a window at a time. In memory: one window, built once. Streamed (stream.ts): windows
 * of row groups read anew each epoch. The loop shuffles the rows within each window with one seeded
 * generator per epoch, so one window gives exactly the order of shuffling all rows at once.
 */
export interface LoopData {
  train(epoch: number): AsyncIterable<SplitArrays>;
  /** Validation windows in order; null without validation rows. */
  val: null | (() => AsyncIterable<ValWindow>);
  labels: boolean;
  dispose(): void;
}

/** Validation rows as tensors, with their masks and counterfactual rewards (labels only) for the regret. */
export interface ValWindow {
  t: SplitTensors;
  rows: number;
  masks: Float32Array;
  cfReward?: Float32Array;
  /** Dispose `t` after evaluating (a window read for this epoch), or keep it (a window cached for all). */
  transient: boolean;
}

/** LoopData over rows in memory: today's single window. */
export function memoryData(
  data: TrainData,
  split: { train: Int32Array; val: Int32Array },
  targets: { train: Targets; val: Targets },
  norm: Normalization,
): LoopData {
  const tr = arraysFor(data, split.train, targets.train, norm);
  const va: ValWindow | null = split.val.length
    ? {
        t: tensorsFor(data, split.val, targets.val, norm),
        rows: split.val.length,
        masks: gather(data.masks, NUM_ACTIONS, split.val),
        cfReward: data.cfReward && gather(data.cfReward, NUM_ACTIONS, split.val),
        transient: false,
      }
    : null;
  return {
    async *train() {
      yield tr;
    },
    val: va
      ? async function* () {
          yield va;
        }
      : null,
    labels: data.cfReward !== undefined,
    dispose: () => {
      if (va) tf.dispose([va.t.x, va.t.mask, ...Object.values(va.t.targets)]);
    },
  };
}

export function tensorsFor(data: TrainData, rows: Int32Array, targets: Targets, norm: Normalization): SplitTensors {
  return tf.tidy(() => ({
    x: tf
      .tensor2d(gather(data.features, NUM_FEATURES, rows), [rows.length, NUM_FEATURES])
      .sub(norm.mean)
      .div(norm.std) as tf.Tensor2D,
    mask: tf.tensor2d(gather(data.masks, NUM_ACTIONS, rows), [rows.length, NUM_ACTIONS]),
    targets: Object.fromEntries(
      Object.entries(targets).map(([k, v]) => [k, tf.tensor2d(v, [rows.length, NUM_ACTIONS])]),
    ),
  }));
}

/** (x − mean) / std and (1 − mask) · MASK_NEG in float32, bit for bit what tensorsFor and maskedLogits compute. */
export function arraysFor(data: TrainData, rows: Int32Array, targets: Targets, norm: Normalization): SplitArrays {
  const F = NUM_FEATURES;
  const x = gather(data.features, F, rows);
  const mean = Float32Array.from(norm.mean);
  const std = Float32Array.from(norm.std);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i] - mean[i % F]) / std[i % F];
  const maskAdd = gather(data.masks, NUM_ACTIONS, rows);
  const neg = Math.fround(MASK_NEG);
  for (let i = 0; i < maskAdd.length; i++) maskAdd[i] = Math.fround(1 - maskAdd[i]) * neg;
  return { x, maskAdd, targets, rows: rows.length };
}

/** The algorithm's loss of a batch and d loss / d logits: its closed form when it has one, else autodiff. */
function lossAndGrad<C>(algo: AlgoDef, cfg: C, b: Batch): (logits: tf.Tensor2D) => LossAndGrad {
  const masked = (logits: tf.Tensor) => tf.add(logits, b.maskAdd) as tf.Tensor2D; // d masked / d logits = 1
  if (algo.lossAndGrad) return (logits) => algo.lossAndGrad!(masked(logits), b.targets, cfg);
  const vg = tf.valueAndGrad((logits: tf.Tensor) => algo.loss(masked(logits), b.targets, cfg));
  return (logits) => {
    const { value, grad } = vg(logits);
    return { loss: value as tf.Scalar, grad: grad as tf.Tensor2D };
  };
}

interface Batch {
  x: tf.Tensor2D;
  maskAdd: tf.Tensor2D;
  targets: Record<string, tf.Tensor2D>;
}

function batchTensors(tr: SplitArrays, idx: Int32Array): Batch {
  const n = idx.length;
  return {
    x: tf.tensor2d(gather(tr.x, NUM_FEATURES, idx), [n, NUM_FEATURES]),
    maskAdd: tf.tensor2d(gather(tr.maskAdd, NUM_ACTIONS, idx), [n, NUM_ACTIONS]),
    targets: Object.fromEntries(
      Object.entries(tr.targets).map(([k, v]) => [k, tf.tensor2d(gather(v, NUM_ACTIONS, idx), [n, NUM_ACTIONS])]),
    ),
  };
}

export async function trainLoop<C>(args: {
  model: tf.LayersModel;
  algo: AlgoDef;
  cfg: C;
  loop: LoopConfig;
  /** The rows (memoryData or a streamed source); or, as before, data + split + targets in memory. */
  rows?: LoopData;
  data?: TrainData;
  split?: { train: Int32Array; val: Int32Array };
  targets?: { train: Targets; val: Targets };
  norm: Normalization;
  seed: number;
  state: LoopState;
  optimizer: tf.Optimizer;
  checkpoint: (state: LoopState) => Promise<void>;
  onEpoch?: (m: EpochMetrics) => void;
}): Promise<LoopState> {
  const { model, algo, cfg, loop, norm, state, optimizer } = args;
  const rows = args.rows ?? memoryData(args.data!, args.split!, args.targets!, norm);
  const layers = denseStack(model);
  // Adam's update on the host (same bits, far fewer kernel launches); synced back every epoch.
  const adam =
    layers &&
    HostAdam.from(
      optimizer,
      layers.flatMap((l) => [l.kernel, l.bias]),
    );
  const step = (b: Batch): tf.Scalar => {
    if (!layers || !adam) {
      const loss = () =>
        algo.loss(tf.add(model.apply(b.x, { training: true }) as tf.Tensor2D, b.maskAdd), b.targets, cfg);
      return optimizer.minimize(loss, true) as tf.Scalar;
    }
    const { loss, grads } = denseGrads(layers, b.x, lossAndGrad(algo, cfg, b));
    adam.step(grads.map((g) => g.dataSync()));
    tf.dispose(grads);
    return loss;
  };

  try {
    while (state.epoch < loop.epochs && (!rows.val || state.stale < loop.patience)) {
      const rng = new Rng([args.seed, state.epoch, 0xe9]);
      let lossSum = 0;
      let batches = 0;
      for await (const tr of rows.train(state.epoch)) {
        const order = shuffled(tr.rows, rng);
        for (let b = 0; b < tr.rows; b += loop.batchSize) {
          const batch = batchTensors(tr, order.subarray(b, Math.min(tr.rows, b + loop.batchSize)));
          const cost = step(batch);
          lossSum += cost.dataSync()[0];
          batches++;
          tf.dispose([cost, batch.x, batch.maskAdd, ...Object.values(batch.targets)]);
        }
      }
      adam?.sync();
      const m = await evaluate(model, algo, cfg, rows);
      const metrics: EpochMetrics = { epoch: state.epoch + 1, loss: lossSum / Math.max(1, batches), ...m };
      state.metrics.push(metrics);
      state.epoch++;
      if (metrics.val_metric === null) {
        // No validation split: nothing to select on, so no early stopping; the final weights are kept.
      } else if (metrics.val_metric < state.bestMetric - 1e-9) {
        state.bestMetric = metrics.val_metric;
        state.bestEpoch = state.epoch;
        state.bestWeights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        state.stale = 0;
      } else state.stale++;
      args.onEpoch?.(metrics);
      await args.checkpoint(state);
    }
  } finally {
    rows.dispose();
  }
  return state;
}

/**
 * Validation loss (the mean over rows: over one window, the algorithm's loss itself; over several, their
 * losses weighted by rows) and, with labels, the regret and best-action share of the argmax action.
 */
async function evaluate(
  model: tf.LayersModel,
  algo: AlgoDef,
  cfg: unknown,
  rows: LoopData,
): Promise<Omit<EpochMetrics, "epoch" | "loss">> {
  if (!rows.val) return { val_loss: null, val_regret: null, val_best_action: null, val_metric: null };
  const losses: { loss: number; n: number }[] = [];
  let regret = 0;
  let hits = 0;
  let n = 0;
  let labelled = 0;
  for await (const va of rows.val()) {
    const { loss, probs } = tf.tidy(() => {
      // apply, not predict: predict cuts batches of 32 with the wasm slice, which copies the whole input each time.
      const logits = maskedLogits(model.apply(va.t.x, { training: false }) as tf.Tensor2D, va.t.mask);
      return {
        loss: algo.loss(logits, va.t.targets, cfg).dataSync()[0],
        probs: tf.softmax(logits).dataSync() as Float32Array,
      };
    });
    if (va.transient) tf.dispose([va.t.x, va.t.mask, ...Object.values(va.t.targets)]);
    losses.push({ loss, n: va.rows });
    n += va.rows;
    const cf = va.cfReward;
    if (!rows.labels || !cf) continue;
    for (let i = 0; i < va.rows; i++) {
      if (Number.isNaN(cf[i * NUM_ACTIONS])) continue; // a rollout budget leaves some rows unlabelled
      labelled++;
      let pick = 0;
      for (let a = 1; a < NUM_ACTIONS; a++) if (probs[i * NUM_ACTIONS + a] > probs[i * NUM_ACTIONS + pick]) pick = a;
      let best = 0;
      for (let a = 1; a < NUM_ACTIONS; a++)
        if (va.masks[i * NUM_ACTIONS + a] > 0 && cf[i * NUM_ACTIONS + a] > cf[i * NUM_ACTIONS + best]) best = a;
      regret += cf[i * NUM_ACTIONS + best] - cf[i * NUM_ACTIONS + pick];
      hits += pick === best ? 1 : 0;
    }
  }
  const loss = losses.length === 1 ? losses[0].loss : losses.reduce((s, l) => s + l.loss * l.n, 0) / Math.max(1, n);
  if (!rows.labels) return { val_loss: loss, val_regret: null, val_best_action: null, val_metric: loss };
  const d = Math.max(1, labelled);
  return { val_loss: loss, val_regret: regret / d, val_best_action: hits / d, val_metric: regret / d };
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
