/**
 * Exports a trained model folder (card.json + tfjs model.json/weights.bin) to the curator ONNX contract:
 * features → (x - mean) / std → converted layers → logits + (1 - mask)·MASK_NEG → Softmax(axis 1) → probs.
 * Normalisation stays as Sub/Div rather than folded into the first Gemm: folding saves ~1.5 µs per single-row
 * run but adds a second rounding of the weights, and the ≤ 1e-5 parity with tfjs then fails for some seeds with
 * features ±100 std from the mean (measured: 6 of 96 batches, vs 1 of 96 unfolded). The mask penalty is one Gemm
 * (each node costs about a microsecond per single-row run in onnxruntime).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ACTIONS, NUM_ACTIONS } from "../actions.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { ModelCardSchema, type ModelCard } from "../schemas/card.js";
import { MASK_NEG, loadModel, readModelFiles, type Normalization } from "../train/model.js";
import { tf } from "../train/tf.js";
import { assertWritableOutput, writeFileAtomic } from "../util/atomic.js";
import { TOOLKIT_VERSION } from "../version.js";
import { GraphBuilder, batchedFloat } from "./graph.js";
import type { FlowTensor } from "./converters/types.js";
import { convertLayers, readLayerSpecs, type LayerSpec } from "./layers.js";
import { metadataFromCard } from "./metadata.js";
import { FEATURES_INPUT, IR_VERSION, MASK_INPUT, PROBS_OUTPUT, TARGET_OPSET } from "./policy.js";
import { defaultRegistry, type ConverterRegistry } from "./registry.js";
import { prepareExportFiles, recordInFolderMarker } from "./out-files.js";
import { PARITY_ATOL, makeTestVectors, runVectors, vectorsPathFor, type TestVectors } from "./vectors.js";
import { featureVectorsText, featuresPathFor } from "./feature-vectors.js";

export interface ExportResult {
  path: string;
  vectorsPath: string;
  opset: number;
  irVersion: number;
  sha256: string;
  /** Rows in the test-vector file, and onnxruntime's max abs difference from tfjs on them. */
  vectorRows: number;
  maxAbsDiff: number;
  /** Featurizer test vectors (raw observations → feature vectors) written beside the model's. */
  featuresPath: string;
}

const DOC = `Curator model. Inputs: ${FEATURES_INPUT} float32 [N, F] (raw feature values in metadata feature_names order; normalisation is in the graph) and ${MASK_INPUT} float32 [N, 4] (1 = allowed). Output: ${PROBS_OUTPUT} float32 [N, 4] in the order ${ACTIONS.join(", ")}; masked actions get probability 0.`;

/** Reads and validates card.json in a model folder. */
export function readModelCard(modelDir: string): ModelCard {
  const path = join(modelDir, "card.json");
  if (!existsSync(path)) {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `No model card at '${path}'. Point --model at a folder written by 'curator train'.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${path}' is not valid JSON (${(e as Error).message}). Restore it from 'curator train' output.`,
    );
  }
  const parsed = ModelCardSchema.safeParse(json);
  if (!parsed.success) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${path}' is not a valid model card: ${describeZodIssues(parsed.error.issues)}. Fix those fields or retrain with 'curator train'.`,
    );
  }
  return parsed.data;
}

function checkCard(card: ModelCard, cardPath: string): void {
  const bad = (field: string, why: string) =>
    new CuratorError(
      "INVALID_FILE",
      `'${cardPath}' field ${field}: ${why}. Fix the card or retrain with 'curator train'.`,
    );
  if (JSON.stringify(card.actionNames) !== JSON.stringify(ACTIONS)) {
    throw bad(
      "actionNames",
      `must be ${JSON.stringify(ACTIONS)} (the contract's output order), got ${JSON.stringify(card.actionNames)}`,
    );
  }
  const f = card.featureNames.length;
  if (f === 0) throw bad("featureNames", "is empty");
  const { mean, std } = card.normalization;
  if (mean.length !== f || std.length !== f) {
    throw bad("normalization", `mean has ${mean.length} and std ${std.length} entries, but featureNames has ${f}`);
  }
  const j = std.findIndex((s, i) => !(Number.isFinite(s) && s > 0 && Number.isFinite(mean[i])));
  if (j >= 0)
    throw bad(
      `normalization (feature '${card.featureNames[j]}')`,
      `needs a finite mean and a finite std > 0, got mean ${mean[j]}, std ${std[j]}`,
    );
}

/** (x - mean) / std as Sub and Div nodes, rounded exactly as tfjs's normalize rounds them. */
function normalizeNodes(g: GraphBuilder, norm: Normalization, f: number): FlowTensor {
  const centered = g.node("Sub", [FEATURES_INPUT, g.constant("norm_mean", [f], norm.mean)], {}, "features_centered");
  return {
    name: g.node("Div", [centered, g.constant("norm_std", [f], norm.std)], {}, "features_normalized"),
    width: f,
  };
}

/**
 * (1 - mask)·MASK_NEG as one Gemm: mask · (-MASK_NEG·I) + MASK_NEG. MASK_NEG (-1e9) is exact in float32, so a
 * 0/1 mask gives exactly 0 or exactly MASK_NEG, as tfjs's maskedLogits does.
 */
function maskPenalty(g: GraphBuilder): string {
  const scale = Array.from({ length: NUM_ACTIONS * NUM_ACTIONS }, (_, k) =>
    k % (NUM_ACTIONS + 1) === 0 ? -MASK_NEG : 0,
  );
  const offset = new Array<number>(NUM_ACTIONS).fill(MASK_NEG);
  return g.node(
    "Gemm",
    [
      MASK_INPUT,
      g.constant("mask_scale", [NUM_ACTIONS, NUM_ACTIONS], scale),
      g.constant("mask_offset", [NUM_ACTIONS], offset),
    ],
    {},
    "mask_penalty",
  );
}

/** Builds the contract graph for a validated card and its layers; pure and deterministic. */
export function buildCuratorOnnx(
  card: ModelCard,
  layers: LayerSpec[],
  registry: ConverterRegistry = defaultRegistry(),
  cardPath = "card.json",
): Uint8Array {
  checkCard(card, cardPath);
  const f = card.featureNames.length;
  const firstKernel = layers.find((l) => l.weights.kernel)?.weights.kernel;
  if (firstKernel && firstKernel.shape[0] !== f) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${cardPath}' lists ${f} featureNames but the model's first layer takes ${firstKernel.shape[0]} inputs. The card and model.json come from different trainings; retrain with 'curator train'.`,
    );
  }
  const g = new GraphBuilder();
  g.reserve(FEATURES_INPUT);
  g.reserve(MASK_INPUT);
  const logits = convertLayers(layers, normalizeNodes(g, card.normalization, f), g, registry);
  if (logits.width !== NUM_ACTIONS) {
    throw new CuratorError(
      "INVALID_FILE",
      `The model's last layer gives ${logits.width} outputs, the contract needs ${NUM_ACTIONS} (${ACTIONS.join(", ")}). Retrain with 'curator train'.`,
    );
  }
  const maskedLogits = g.node("Add", [logits.name, maskPenalty(g)], {}, "masked_logits");
  g.node("Softmax", [maskedLogits], { axis: 1 }, PROBS_OUTPUT, PROBS_OUTPUT);
  return g.toBytes({
    graphName: "curator",
    inputs: [batchedFloat(FEATURES_INPUT, f), batchedFloat(MASK_INPUT, NUM_ACTIONS)],
    outputs: [batchedFloat(PROBS_OUTPUT, NUM_ACTIONS)],
    opset: TARGET_OPSET,
    producerVersion: TOOLKIT_VERSION,
    metadata: metadataFromCard(card),
    docString: DOC,
  });
}

/**
 * Writes `outPath` (the ONNX model) and its test vectors beside it, both atomically. Refuses to write when
 * onnxruntime disagrees with tfjs on the vectors by more than PARITY_ATOL (that would be an exporter bug).
 */
export async function exportToOnnx(modelDir: string, outPath: string): Promise<ExportResult> {
  assertWritableOutput(outPath);
  const real = prepareExportFiles(outPath, vectorsPathFor(outPath), featuresPathFor(outPath));
  const card = readModelCard(modelDir);
  const layers = readLayerSpecs(readModelFiles(modelDir), modelDir);
  const bytes = buildCuratorOnnx(card, layers, defaultRegistry(), join(modelDir, "card.json"));
  const sha256 = createHash("sha256").update(bytes).digest("hex");

  await tf.ready();
  const model = await loadModel(modelDir);
  let vectors: TestVectors;
  try {
    vectors = makeTestVectors(model, card.normalization, card.seed, sha256);
  } finally {
    model.dispose();
  }
  const maxAbsDiff = await runVectors(bytes, vectors);
  if (!(maxAbsDiff <= PARITY_ATOL)) {
    throw new Error(
      `ONNX export of '${modelDir}' disagrees with tfjs by ${maxAbsDiff} (> ${PARITY_ATOL}) on its test vectors.`,
    );
  }
  const vectorsPath = vectorsPathFor(outPath);
  writeFileAtomic(real.onnx, bytes);
  writeFileAtomic(
    real.vectors,
    `${JSON.stringify(vectors)}
`,
  );
  const featuresPath = real.features;
  writeFileAtomic(featuresPath, featureVectorsText());
  recordInFolderMarker([real.onnx, real.vectors, real.features]);
  return {
    path: outPath,
    vectorsPath,
    opset: TARGET_OPSET,
    irVersion: IR_VERSION,
    sha256,
    vectorRows: vectors.inputs.features.length,
    maxAbsDiff,
    featuresPath,
  };
}
