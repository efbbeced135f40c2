/**
 * Builds a small, complete model folder (model.json + weights.bin + a valid card.json) for tests: seeded
 * weights with non-zero biases, seeded normalisation, any architecture buildModel supports.
 */
import { mkdirSync } from "node:fs";
import { ACTIONS } from "../../src/actions.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { CARD_SCHEMA_VERSION, ModelCardSchema, type ModelCard } from "../../src/schemas/card.js";
import { buildModel, saveModel, writeCard, type Architecture, type Normalization } from "../../src/train/model.js";
import { tf } from "../../src/train/tf.js";
import { Rng } from "../../src/util/rng.js";
import { TOOLKIT_VERSION } from "../../src/version.js";

export interface TinyModelOptions {
  /** Default FEATURE_NAMES (the real featurizer); other names make a model the runtime should refuse. */
  featureNames?: string[];
  hidden?: number[];
  activation?: Architecture["activation"];
  dropout?: number;
  seed?: number;
  /** Default: seeded means in [-5, 5] and stds in [0.5, 3]; "identity" = mean 0, std 1. */
  normalization?: Normalization | "identity";
  /** Scale of the seeded biases (0 keeps buildModel's zero biases). */
  biasScale?: number;
  /** Fields to override in card.json (applied last; the result is still validated). */
  card?: Partial<ModelCard>;
}

export interface TinyModel {
  dir: string;
  card: ModelCard;
  model: tf.LayersModel;
}

/** Writes a tiny model folder to `dir` and returns it with its card and the live tfjs model (caller disposes). */
export async function makeTinyModelDir(dir: string, opts: TinyModelOptions = {}): Promise<TinyModel> {
  await tf.ready();
  const featureNames = opts.featureNames ?? [...FEATURE_NAMES];
  const f = featureNames.length;
  const seed = opts.seed ?? 1;
  const arch: Architecture = {
    hidden: opts.hidden ?? [16, 8],
    activation: opts.activation ?? "relu",
    dropout: opts.dropout ?? 0,
  };
  const rng = new Rng([seed, 0x71a7]);
  const model = buildModel(f, arch, seed);
  const biasScale = opts.biasScale ?? 0.5;
  if (biasScale > 0) {
    const weights = model
      .getWeights()
      .map((w) =>
        w.shape.length === 1
          ? tf.tensor1d(Array.from({ length: w.shape[0] }, () => rng.uniform(-biasScale, biasScale)))
          : w,
      );
    model.setWeights(weights);
    weights.forEach((w) => w.shape.length === 1 && w.dispose());
  }
  const normalization: Normalization =
    opts.normalization === "identity"
      ? { mean: new Array(f).fill(0), std: new Array(f).fill(1) }
      : (opts.normalization ?? {
          mean: featureNames.map(() => Math.fround(rng.uniform(-5, 5))),
          std: featureNames.map(() => Math.fround(rng.uniform(0.5, 3))),
        });
  mkdirSync(dir, { recursive: true });
  await saveModel(model, dir);
  const card = ModelCardSchema.parse({
    cardSchemaVersion: CARD_SCHEMA_VERSION,
    toolkitVersion: TOOLKIT_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    algorithm: "bc",
    seed,
    config: {},
    architecture: arch,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames,
    actionNames: [...ACTIONS],
    normalization,
    dataset: { paths: ["datasets/traces/tiny"], manifestHash: `sha256:tiny-${seed}` },
    executors: ["weak", "strong"],
    reward: {},
    training: { epochs: 0 },
    command: "test/helpers/tiny-model.ts",
    ...opts.card,
  });
  writeCard(dir, card);
  return { dir, card, model };
}
