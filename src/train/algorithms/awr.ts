/**
 * awr — advantage-weighted regression from logged behaviour (offline RL, no labels needed).
 * Peng, Kumar, Zhang, Levine 2019, "Advantage-Weighted Regression: Simple and Scalable Off-Policy
 * Reinforcement Learning"; as implemented for offline data in d3rlpy's AWR.
 *
 * Reward per decision: the item's own outcome lift over the horizon (successes with it in context minus what
 * the executor's running rate predicts) minus λ × (its prompt-token cost + the action's call cost); see
 * src/reward.ts. A value network V(s) is fitted by regression; the policy then maximises
 * Σ exp((r − V(s)) / β) · log π(a_logged | s), weights clipped at `maxWeight`.
 */
import { NUM_ACTIONS } from "../../actions.js";
import { z } from "zod";
import { tf } from "../tf.js";
import { NUM_FEATURES } from "../../features/featurizer.js";
import { gather, normalizationFrom, NormalizationPasses, type TrainData } from "../data.js";
import type { Normalization } from "../model.js";
import { allRows, type AlgoDef, type RowSource } from "./types.js";
import { crossEntropy, crossEntropyAndGrad } from "./losses.js";

export const AwrConfig = z
  .object({
    beta: z.number().positive().default(0.3).describe("temperature of the advantage weights (reward units)"),
    maxWeight: z.number().positive().default(20).describe("clip on exp(advantage / beta)"),
    valueEpochs: z.number().int().positive().default(15).describe("epochs fitting the value network"),
    valueHidden: z.number().int().positive().default(32).describe("hidden units of the value network"),
  })
  .strict();

export const awr: AlgoDef<typeof AwrConfig> = {
  summary: "advantage-weighted regression on logged behaviour and per-item rewards",
  config: AwrConfig,
  requiresLabels: false,
  async prepare(data, rows, cfg, seed) {
    const norm = normalizationFrom(data, rows);
    const x = tf.tidy(() =>
      tf
        .tensor2d(gather(data.features, NUM_FEATURES, rows), [rows.length, NUM_FEATURES])
        .sub(norm.mean)
        .div(norm.std),
    );
    const y = tf.tensor2d(
      Float32Array.from(rows, (r) => data.itemReward[r]),
      [rows.length, 1],
    );
    const v = valueNet(cfg, seed);
    const optimizer = tf.train.adam(1e-3);
    v.compile({ optimizer, loss: "meanSquaredError" });
    await v.fitDataset(hostBatches(x as tf.Tensor2D, y, 256), { epochs: cfg.valueEpochs, verbose: 0 });
    const predicted = v.apply(x, { training: false }) as tf.Tensor;
    const values = predicted.dataSync();
    tf.dispose([x, y, predicted]);
    v.dispose();
    optimizer.dispose();
    return { target: weights(data, rows, values, cfg) };
  },
  async prepareStream(source, cfg, seed) {
    // What prepare does over all rows, a block at a time: exact normalisation (two passes), the value network
    // fitted on the same in-order batches (cut across blocks), then each block's targets from its predictions.
    const passes = new NormalizationPasses();
    for await (const b of source.blocks()) passes.addSums(b.features, allRows(b.rows));
    for await (const b of source.blocks()) passes.addSquares(b.features, allRows(b.rows));
    const norm = passes.result();
    const v = valueNet(cfg, seed);
    const optimizer = tf.train.adam(1e-3);
    v.compile({ optimizer, loss: "meanSquaredError" });
    await v.fitDataset(streamedBatches(source, norm, 256), { epochs: cfg.valueEpochs, verbose: 0 });
    return {
      targets(block) {
        const all = allRows(block.rows);
        const values = tf.tidy(() => {
          const x = tf.tensor2d(normalized(block, norm), [block.rows, NUM_FEATURES]);
          return (v.apply(x, { training: false }) as tf.Tensor).dataSync();
        });
        return { target: weights(block, all, values, cfg) };
      },
      dispose() {
        v.dispose();
        optimizer.dispose();
      },
    };
  },
  loss: (maskedLogits, t) => crossEntropy(tf, maskedLogits, t.target),
  lossAndGrad: (maskedLogits, t) => crossEntropyAndGrad(tf, maskedLogits, t.target),
};

function valueNet(cfg: z.output<typeof AwrConfig>, seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units: cfg.valueHidden,
        activation: "relu",
        inputShape: [NUM_FEATURES],
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 11 }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 12 }) }),
    ],
  });
}

/** Per row: exp(advantage / beta), clipped at maxWeight, on the logged action. */
function weights(
  data: TrainData,
  rows: Int32Array,
  values: ArrayLike<number>,
  cfg: z.output<typeof AwrConfig>,
): Float32Array {
  const target = new Float32Array(rows.length * NUM_ACTIONS);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const w = Math.min(cfg.maxWeight, Math.exp((data.itemReward[r] - values[i]) / cfg.beta));
    target[i * NUM_ACTIONS + data.action[r]] = w;
  }
  return target;
}

/** (x − mean) / std of every row of a block, in float32 (the bits tensor sub and div give). */
function normalized(block: TrainData, norm: Normalization): Float32Array {
  const F = NUM_FEATURES;
  const x = block.features.slice();
  const mean = Float32Array.from(norm.mean);
  const std = Float32Array.from(norm.std);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i] - mean[i % F]) / std[i % F];
  return x;
}

/** hostBatches over rows that arrive a block at a time: the same in-order batches, cut across blocks. */
function streamedBatches(source: RowSource, norm: Normalization, batch: number): tf.data.Dataset<tf.TensorContainer> {
  const F = NUM_FEATURES;
  return tf.data.generator(async function* () {
    let xs = new Float32Array(0);
    let ys = new Float32Array(0);
    for await (const b of source.blocks()) {
      const x = new Float32Array(xs.length + b.rows * F);
      x.set(xs);
      x.set(normalized(b, norm), xs.length);
      const y = new Float32Array(ys.length + b.rows);
      y.set(ys);
      y.set(b.itemReward, ys.length);
      let start = 0;
      const rows = y.length;
      for (; start + batch <= rows; start += batch)
        yield {
          xs: tf.tensor2d(x.subarray(start * F, (start + batch) * F), [batch, F]),
          ys: tf.tensor2d(y.subarray(start, start + batch), [batch, 1]),
        };
      xs = x.slice(start * F);
      ys = y.slice(start);
    }
    if (ys.length) yield { xs: tf.tensor2d(xs, [ys.length, F]), ys: tf.tensor2d(ys, [ys.length, 1]) };
  } as unknown as () => Iterator<tf.TensorContainer>);
}

/**
 * In-order batches cut from host copies. `fit` on tensors slices them on the device, and the wasm backend's
 * slice copies the whole input for every batch: quadratic in rows (minutes at 1M rows). Same batches, same order.
 */
function hostBatches(x: tf.Tensor2D, y: tf.Tensor2D, batch: number): tf.data.Dataset<tf.TensorContainer> {
  const [rows, cols] = x.shape;
  const xs = x.dataSync() as Float32Array;
  const ys = y.dataSync() as Float32Array;
  return tf.data.generator(function* () {
    for (let start = 0; start < rows; start += batch) {
      const end = Math.min(rows, start + batch);
      yield {
        xs: tf.tensor2d(xs.subarray(start * cols, end * cols), [end - start, cols]),
        ys: tf.tensor2d(ys.subarray(start, end), [end - start, 1]),
      };
    }
  });
}
