/**
 * The curator network: raw features -> (x - mean) / std -> Dense+activation blocks -> Dense(4) logits ->
 * masked softmax. Normalisation and masking live outside the tfjs layers model (they are data, not weights);
 * export folds both into the ONNX graph.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tf } from "./tf.js";
import { NUM_ACTIONS } from "../actions.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CuratorError } from "../errors.js";
import type { ModelCard } from "../schemas/card.js";
import type { HiddenActivation } from "../activations.js";

export interface Architecture {
  hidden: number[];
  activation: HiddenActivation;
  dropout: number;
}

export interface Normalization {
  mean: number[];
  std: number[];
  /** features constant over the training rows (absent: none) */
  constant?: number[];
}

/** Logit added to masked actions: exp(-1e9) underflows to exactly 0 in float32. */
export const MASK_NEG = -1e9;

export function buildModel(numFeatures: number, arch: Architecture, seed: number): tf.LayersModel {
  // A fixed name: tfjs would otherwise number models per process (sequential_1, _2, …), so model.json bytes
  // would depend on how many models the process built before this one.
  const model = tf.sequential({ name: "curator_policy" });
  arch.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: arch.activation,
        inputShape: i === 0 ? [numFeatures] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i }),
        biasInitializer: "zeros",
        name: `hidden_${i}`,
      }),
    );
    if (arch.dropout > 0)
      model.add(tf.layers.dropout({ rate: arch.dropout, seed: seed * 1000 + 500 + i, name: `dropout_${i}` }));
  });
  model.add(
    tf.layers.dense({
      units: NUM_ACTIONS,
      inputShape: arch.hidden.length === 0 ? [numFeatures] : undefined,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + 999 }),
      biasInitializer: "zeros",
      name: "logits",
    }),
  );
  return model;
}

/**
 * Zeroes the first layer's weights of the given inputs. For an input constant in training, its normalised value
 * is exactly 0 on every row, so its weights never receive a gradient and training is the same bit for bit; but
 * left at their random initial values they would move decisions wherever the input does vary (a counter one
 * harness never fills, read on another that does). Zeroed, an input the data never varied cannot move a decision.
 */
export function silenceInputs(model: tf.LayersModel, inputs: readonly number[]): void {
  if (inputs.length === 0) return;
  const first = model.layers.find((l) => l.getWeights().length > 0);
  if (!first) return;
  const [kernel, ...rest] = first.getWeights();
  const values = kernel.dataSync().slice();
  const units = kernel.shape[1] as number;
  for (const f of inputs) values.fill(0, f * units, (f + 1) * units);
  first.setWeights([tf.tensor2d(values, kernel.shape as [number, number]), ...rest]);
}

export function normalize(x: tf.Tensor2D, norm: Normalization): tf.Tensor2D {
  return tf.tidy(() => x.sub(tf.tensor1d(norm.mean)).div(tf.tensor1d(norm.std)) as tf.Tensor2D);
}

export function maskedLogits(logits: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => logits.add(tf.scalar(1).sub(mask).mul(tf.scalar(MASK_NEG))) as tf.Tensor2D);
}

/** Action probabilities for raw features, exactly as the exported ONNX graph computes them. */
export function predictProbs(
  model: tf.LayersModel,
  norm: Normalization,
  features: Float32Array,
  mask: Float32Array,
  rows: number,
): Float32Array {
  return tf.tidy(() => {
    const x = normalize(tf.tensor2d(features, [rows, norm.mean.length]), norm);
    const logits = model.predict(x) as tf.Tensor2D;
    const m = tf.tensor2d(mask, [rows, NUM_ACTIONS]);
    return tf.softmax(maskedLogits(logits, m)).dataSync() as Float32Array;
  });
}

/** Saves as tfjs layers format (model.json + weights.bin), atomically, without tfjs-node. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      const modelJson = {
        format: "layers-model",
        generatedBy: "curator-toolkit",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      writeFileAtomic(join(dir, "weights.bin"), new Uint8Array(weightData));
      writeFileAtomic(join(dir, "model.json"), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
}

/** Writes card.json beside the model files (atomically). */
export function writeCard(dir: string, card: ModelCard): void {
  writeFileAtomic(join(dir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
}

export interface SavedModelFiles {
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

export function readModelFiles(dir: string): SavedModelFiles {
  try {
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    const buf = readFileSync(join(dir, "weights.bin"));
    const weightData = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData };
  } catch (e) {
    throw new CuratorError(
      "INVALID_FILE",
      `Cannot read the model in '${dir}' (model.json + weights.bin): ${(e as Error).message}. Point --model at a folder written by 'curator train'.`,
    );
  }
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const files = readModelFiles(dir);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: files.modelTopology as object,
      weightSpecs: files.weightSpecs,
      weightData: files.weightData,
    }),
  );
}
