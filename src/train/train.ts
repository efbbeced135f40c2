/**
 * `curator train`: fits a curator policy offline from a trace dataset (no access to the world) and writes a
 * model folder: model.json + weights.bin (tfjs layers format), card.json and metrics.jsonl.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { z } from "zod";
import { ALGORITHMS, ALGO_NAMES } from "./algorithms/registry.js";
import type { AlgoDef } from "./algorithms/types.js";
import { useBackend, BACKENDS, tf } from "./tf.js";
import { buildModel, saveModel, writeCard, type Architecture } from "./model.js";
import { trainDataFromColumns, splitByStream, normalizationFrom, assertFiniteFeatures } from "./data.js";
import { trainLoop, type EpochMetrics, type LoopState } from "./loop.js";
import { saveCheckpoint, loadCheckpoint } from "./checkpoint.js";
import { readDataset, tableFiles } from "../data/dataset.js";
import { RewardConfigSchema } from "../reward.js";
import { FEATURE_NAMES, FEATURIZER_VERSION, NUM_FEATURES } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { CARD_SCHEMA_VERSION, type ModelCard } from "../schemas/card.js";
import { TOOLKIT_VERSION, gitCommit } from "../version.js";
import { writeDirAtomic, writeFileAtomic, assertWritableOutput } from "../util/atomic.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { parseWith } from "../util/json-file.js";

export const TrainOptionsSchema = z
  .object({
    data: z.string().min(1).describe("dataset folder (or a folder of shard folders)"),
    algo: z.enum(ALGO_NAMES).describe("training algorithm"),
    out: z.string().min(1).describe("model folder to write"),
    seed: z.number().int().nonnegative().default(1),
    epochs: z.number().int().positive().default(40),
    batchSize: z.number().int().positive().default(256),
    learningRate: z.number().positive().default(2e-3),
    patience: z.number().int().positive().default(8).describe("epochs without validation improvement before stopping"),
    hidden: z.array(z.number().int().positive()).default([64, 64]),
    activation: z.enum(["relu", "tanh", "elu"]).default("relu"),
    dropout: z.number().min(0).max(0.9).default(0),
    valFraction: z.number().min(0).max(0.9).default(0.2).describe("share of streams held out for validation"),
    costWeight: RewardConfigSchema.shape.costWeight,
    config: z.record(z.string(), z.unknown()).default({}).describe("algorithm config overrides"),
    backend: z.enum(BACKENDS).default("wasm"),
    resume: z.boolean().default(false),
  })
  .strict();
export type TrainOptions = z.input<typeof TrainOptionsSchema>;

export interface TrainSummary {
  out: string;
  algorithm: string;
  epochs: number;
  bestEpoch: number;
  bestMetric: number;
  metricName: string;
  trainRows: number;
  valRows: number;
  resumedFromEpoch: number;
  seconds: number;
}

export async function train(
  input: TrainOptions,
  hooks: { command?: string; onProgress?: (done: number, total: number, label?: string) => void } = {},
): Promise<TrainSummary> {
  const t0 = performance.now();
  const o = parseWith(TrainOptionsSchema, input, "train options");
  const algo: AlgoDef = ALGORITHMS[o.algo];
  const cfgParsed = algo.config.safeParse(o.config);
  if (!cfgParsed.success)
    throw new CuratorError("INVALID_CONFIG", `--config for ${o.algo} is invalid: ${describeZodIssues(cfgParsed.error.issues)}.`);
  const cfg = cfgParsed.data;
  assertWritableOutput(o.out);
  const ds = await readDataset(o.data);
  const reward = { costWeight: o.costWeight };
  assertFiniteFeatures(ds.decisions, tableFiles(ds, "decisions"));
  const data = trainDataFromColumns(ds.decisions, reward);
  if (data.rows === 0) throw new CuratorError("INVALID_FILE", `Dataset '${o.data}' has no decision rows; collect more tasks per stream.`);
  if (algo.requiresLabels && !data.cfReward)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--algo ${o.algo} needs counterfactual labels, but dataset '${o.data}' was collected without them. Re-collect with --labels oracle, or use --algo awr.`,
    );
  await useBackend(o.backend);

  const split = splitByStream(data, o.valFraction, o.seed);
  const norm = normalizationFrom(data, split.train);
  const targets = {
    train: await algo.prepare(data, split.train, cfg, o.seed),
    val: await algo.prepare(data, split.val, cfg, o.seed),
  };
  const arch: Architecture = { hidden: o.hidden, activation: o.activation, dropout: o.dropout };
  const model = buildModel(NUM_FEATURES, arch, o.seed);
  const optimizer = tf.train.adam(o.learningRate);

  const partial = `${resolve(o.out)}.partial`;
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ o: { ...o, resume: false }, cfg, hash: ds.hash }))
    .digest("hex");
  if (existsSync(partial) && !o.resume) rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const fresh: LoopState = { epoch: 0, bestMetric: Infinity, bestEpoch: 0, bestWeights: null, stale: 0, metrics: [] };
  const state = (o.resume ? await loadCheckpoint(partial, fingerprint, model, optimizer) : null) ?? fresh;
  const resumedFrom = state.epoch;

  await trainLoop({
    model, algo, cfg, data, split, targets, norm, optimizer, state, seed: o.seed,
    loop: { epochs: o.epochs, batchSize: o.batchSize, patience: o.patience },
    checkpoint: (s) => saveCheckpoint(partial, fingerprint, model, optimizer, s),
    onEpoch: (m: EpochMetrics) => hooks.onProgress?.(m.epoch, o.epochs, `${metricName(data)} ${m.val_metric.toFixed(4)}`),
  });
  if (state.bestWeights) {
    const best = state.bestWeights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape));
    model.setWeights(best);
    tf.dispose(best);
  }

  const card: ModelCard = {
    cardSchemaVersion: CARD_SCHEMA_VERSION,
    toolkitVersion: TOOLKIT_VERSION,
    gitCommit: gitCommit(),
    algorithm: o.algo,
    seed: o.seed,
    config: { ...(cfg as Record<string, unknown>), epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, patience: o.patience, valFraction: o.valFraction },
    architecture: arch,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    normalization: norm,
    dataset: { paths: [o.data], manifestHash: ds.hash },
    executors: data.executors,
    reward,
    training: {
      epochsRun: state.epoch,
      bestEpoch: state.bestEpoch,
      metric: metricName(data),
      bestMetric: state.bestMetric,
      trainRows: split.train.length,
      valRows: split.val.length,
      trainStreamSeeds: ds.manifests.flatMap((m: { streamSeeds: number[] }) => m.streamSeeds),
    },
    command: hooks.command ?? "train (programmatic)",
  };
  await writeDirAtomic(o.out, async (dir) => {
    await saveModel(model, dir);
    writeCard(dir, card);
    writeFileAtomic(join(dir, "metrics.jsonl"), state.metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
  });
  rmSync(partial, { recursive: true, force: true });
  model.dispose();
  optimizer.dispose();
  return {
    out: o.out,
    algorithm: o.algo,
    epochs: state.epoch,
    bestEpoch: state.bestEpoch,
    bestMetric: state.bestMetric,
    metricName: metricName(data),
    trainRows: split.train.length,
    valRows: split.val.length,
    resumedFromEpoch: resumedFrom,
    seconds: (performance.now() - t0) / 1000,
  };
}

function metricName(data: { cfReward?: Float32Array }): string {
  return data.cfReward ? "val_regret" : "val_loss";
}
