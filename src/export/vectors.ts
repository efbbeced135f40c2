/**
 * Test vectors: seeded inputs and the probabilities tfjs computes for them, written beside the ONNX file so a
 * harness in any language can prove it runs the model right (and export proves it with onnxruntime first).
 */
import * as ort from "onnxruntime-node";
import type { tf } from "../train/tf.js";
import { predictProbs, type Normalization } from "../train/model.js";
import { NUM_ACTIONS, type ActionMask } from "../actions.js";
import { Rng } from "../util/rng.js";
import { FEATURES_INPUT, MASK_INPUT, PROBS_OUTPUT } from "./policy.js";

/** The agreement export guarantees between onnxruntime and tfjs, per probability. */
export const PARITY_ATOL = 1e-5;

export interface TestVectors {
  inputs: { features: number[][]; action_mask: number[][] };
  outputs: { probs: number[][] };
  atol: number;
  model_sha256: string;
}

/** `curator.onnx` → `curator.vectors.json` (a path without `.onnx` just gains the suffix). */
export function vectorsPathFor(onnxPath: string): string {
  return `${onnxPath.replace(/\.onnx$/i, "")}.vectors.json`;
}

/** Row groups: (how many, feature spread in std units, mask kind). 64 rows in all. */
const GROUPS: [number, number, "all" | "keep-only" | "no-retire" | "random"][] = [
  [24, 3, "all"],
  [8, 3, "keep-only"],
  [8, 3, "no-retire"],
  [16, 3, "random"],
  [8, 10, "all"],
];

function maskFor(kind: (typeof GROUPS)[number][2], rng: Rng): ActionMask {
  if (kind === "all") return [1, 1, 1, 1];
  if (kind === "keep-only") return [1, 0, 0, 0];
  if (kind === "no-retire") return [1, 1, 1, 0];
  const m = [0, 1, 2, 3].map(() => (rng.bernoulli(0.5) ? 1 : 0)) as ActionMask;
  if (!m.some((v) => v === 1)) m[rng.int(NUM_ACTIONS)] = 1;
  return m;
}

/** Seeded inputs around the normalisation mean (± a few std, some far out) with their tfjs probabilities. */
export function makeTestVectors(
  model: tf.LayersModel,
  norm: Normalization,
  seed: number,
  modelSha256: string,
): TestVectors {
  const rng = new Rng([seed, 0x7e57]);
  const features: number[][] = [];
  const masks: number[][] = [];
  for (const [count, spread, kind] of GROUPS) {
    for (let r = 0; r < count; r++) {
      features.push(norm.mean.map((m, j) => Math.fround(m + norm.std[j] * rng.uniform(-spread, spread))));
      masks.push(maskFor(kind, rng));
    }
  }
  const probs = predictProbs(
    model,
    norm,
    Float32Array.from(features.flat()),
    Float32Array.from(masks.flat()),
    features.length,
  );
  const rows = features.map((_, i) => Array.from(probs.subarray(i * NUM_ACTIONS, (i + 1) * NUM_ACTIONS)));
  return {
    inputs: { features, action_mask: masks },
    outputs: { probs: rows },
    atol: PARITY_ATOL,
    model_sha256: modelSha256,
  };
}

/** Runs the ONNX bytes on the vectors' inputs with onnxruntime; returns the max abs difference to the expected probs. */
export async function runVectors(onnxBytes: Uint8Array, vectors: TestVectors): Promise<number> {
  const n = vectors.inputs.features.length;
  const f = vectors.inputs.features[0]?.length ?? 0;
  const session = await ort.InferenceSession.create(onnxBytes);
  try {
    const out = await session.run({
      [FEATURES_INPUT]: new ort.Tensor("float32", Float32Array.from(vectors.inputs.features.flat()), [n, f]),
      [MASK_INPUT]: new ort.Tensor("float32", Float32Array.from(vectors.inputs.action_mask.flat()), [n, NUM_ACTIONS]),
    });
    const got = out[PROBS_OUTPUT].data as Float32Array;
    const want = vectors.outputs.probs.flat();
    let max = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      max = Number.isNaN(d) ? Infinity : Math.max(max, d);
    }
    return max;
  } finally {
    await session.release();
  }
}
