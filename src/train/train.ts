/**
 * `curator train`: fits a curator policy offline from a trace dataset (no access to the world) and writes a
 * model folder: model.json + weights.bin (tfjs layers format), card.json and metrics.jsonl.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { ALGORITHMS } from "./algorithms/registry.js";
import { TrainOptionsSchema, type TrainOptions } from "./options.js";
import type { AlgoDef } from "./algorithms/types.js";
import { useBackend, tf } from "./tf.js";
import { buildModel, saveModel, silenceInputs, writeCard, type Architecture } from "./model.js";
import {
  trainDataFromDataset,
  splitByStream,
  normalizationFrom,
  assertFiniteFeatures,
  isGrouped,
  isLabelled,
} from "./data.js";
import { readDataset, tableSources } from "../data/dataset.js";
import { memoryData, type LoopData } from "./loop.js";
import type { Normalization } from "./model.js";
import { trainLoop, type EpochMetrics, type LoopState } from "./loop.js";
import { openDecisions, streamedNormalization } from "./stream.js";
import { streamedData } from "./stream-data.js";
import { saveCheckpoint, loadCheckpoint } from "./checkpoint.js";
import { FEATURE_NAMES, FEATURIZER_VERSION, NUM_FEATURES } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { CARD_SCHEMA_VERSION, type ModelCard } from "../schemas/card.js";
import { TOOLKIT_VERSION, gitCommit } from "../version.js";
import { writeDirAtomic, writeFileAtomic, prepareOutput } from "../util/atomic.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { claimScratchFolder, type OutputOptions } from "../util/output-folder.js";
import { removeScratch } from "../util/scratch.js";
import { parseWith } from "../util/json-file.js";

/** A model folder is train's output; one from before markers (only these files) is recognised as such. */
export const MODEL_OUTPUT: OutputOptions = {
  command: "train",
  adopt: [
    "model.json",
    "weights.bin",
    "card.json",
    "metrics.jsonl",
    "curator.onnx",
    "curator.vectors.json",
    "curator.features.json",
  ],
};

export { TrainOptionsSchema, type TrainOptions } from "./options.js";

export interface TrainSummary {
  out: string;
  algorithm: string;
  epochs: number;
  /** null when there was no validation split (one stream): every epoch ran and the final weights are kept. */
  bestEpoch: number | null;
  bestMetric: number | null;
  metricName: string;
  /** Why there is no validation, or null when there is one. */
  noValidation: string | null;
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
    throw new CuratorError(
      "INVALID_CONFIG",
      `--config for ${o.algo} is invalid: ${describeZodIssues(cfgParsed.error.issues)}.`,
    );
  const cfg = cfgParsed.data;
  prepareOutput(o.out, MODEL_OUTPUT);
  const reward = { costWeight: o.costWeight };
  const d = await openDecisions(o.data, o.valFraction, o.seed, reward);
  if (d.table.rows === 0)
    throw new CuratorError("INVALID_FILE", `Dataset '${o.data}' has no decision rows; collect more tasks per stream.`);
  // Pass-level groups and partial (rollout-budget) labels are joined and filtered in memory; the rest streams.
  const inMemory =
    algo.requiresGroups === true || d.table.manifests.some((m: { labels?: string }) => m.labels === "rollout");
  let prepared: Prepared;
  if (inMemory) prepared = await inMemoryRows(o, algo, cfg, reward);
  else {
    if (algo.requiresLabels && !d.labels) throw needsLabels(o.algo, o.data);
    const norm = await streamedNormalization(d);
    await useBackend(o.backend);
    const rows = await streamedData({
      d,
      algo,
      algoName: o.algo,
      cfg,
      norm,
      seed: o.seed,
      fitRows: o.fitRows,
      windowRows: o.windowRows,
    });
    prepared = { rows, norm, labels: d.labels, trainRows: d.rows.train, valRows: d.rows.val, streams: d.streams };
  }
  const { rows, norm } = prepared;
  const noValidation = prepared.valRows
    ? null
    : `no validation split: the dataset has ${prepared.streams} stream(s) and validation holds out whole streams (collect at least 2); trained all epochs without early stopping and kept the final weights`;
  const streamed = !inMemory && (d.rows.train > o.fitRows || d.rows.val > o.fitRows);
  const arch: Architecture = { hidden: o.hidden, activation: o.activation, dropout: o.dropout };
  const model = buildModel(NUM_FEATURES, arch, o.seed);
  silenceInputs(model, norm.constant ?? []);
  const optimizer = tf.train.adam(o.learningRate);

  const partial = `${resolve(o.out)}.partial`;
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ o: { ...o, resume: false }, cfg, hash: d.table.hash }))
    .digest("hex");
  claimScratchFolder(partial, "checkpoint.json", !o.resume);
  mkdirSync(partial, { recursive: true });
  const fresh: LoopState = { epoch: 0, bestMetric: Infinity, bestEpoch: 0, bestWeights: null, stale: 0, metrics: [] };
  const state = (o.resume ? await loadCheckpoint(partial, fingerprint, model, optimizer) : null) ?? fresh;
  const resumedFrom = state.epoch;

  await trainLoop({
    model,
    algo,
    cfg,
    rows,
    norm,
    optimizer,
    state,
    seed: o.seed,
    loop: { epochs: o.epochs, batchSize: o.batchSize, patience: o.patience },
    checkpoint: (s) => saveCheckpoint(partial, fingerprint, model, optimizer, s),
    onEpoch: (m: EpochMetrics) =>
      hooks.onProgress?.(
        m.epoch,
        o.epochs,
        m.val_metric === null
          ? `loss ${m.loss.toFixed(4)}, no validation`
          : `${metricName(prepared.labels)} ${m.val_metric.toFixed(4)}`,
      ),
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
    config: {
      ...(cfg as Record<string, unknown>),
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      patience: o.patience,
      valFraction: o.valFraction,
      // Only when it changed the order rows were seen in (a dataset that fits one window trains as in memory).
      ...(streamed ? { fitRows: o.fitRows, windowRows: o.windowRows } : {}),
    },
    architecture: arch,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    normalization: { mean: norm.mean, std: norm.std },
    ...(norm.constant ? { constantFeatures: norm.constant.map((f) => FEATURE_NAMES[f]) } : {}),
    dataset: { paths: [o.data], manifestHash: d.table.hash },
    executors: d.executors,
    reward,
    training: {
      epochsRun: state.epoch,
      bestEpoch: noValidation ? null : state.bestEpoch,
      metric: metricName(prepared.labels),
      bestMetric: noValidation ? null : state.bestMetric,
      ...(noValidation ? { validation: noValidation } : {}),
      trainRows: prepared.trainRows,
      valRows: prepared.valRows,
      trainStreamSeeds: d.table.manifests.flatMap((m: { streamSeeds: number[] }) => m.streamSeeds),
    },
    command: hooks.command ?? "train (programmatic)",
  };
  await writeDirAtomic(o.out, MODEL_OUTPUT, async (dir) => {
    await saveModel(model, dir);
    writeCard(dir, card);
    writeFileAtomic(join(dir, "metrics.jsonl"), state.metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
  });
  removeScratch(partial, "checkpoint.json");
  model.dispose();
  optimizer.dispose();
  return {
    out: o.out,
    algorithm: o.algo,
    epochs: state.epoch,
    bestEpoch: noValidation ? null : state.bestEpoch,
    bestMetric: noValidation ? null : state.bestMetric,
    metricName: metricName(prepared.labels),
    noValidation,
    trainRows: prepared.trainRows,
    valRows: prepared.valRows,
    resumedFromEpoch: resumedFrom,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** What the loop trains on, however it was read. */
interface Prepared {
  rows: LoopData;
  norm: Normalization;
  labels: boolean;
  trainRows: number;
  valRows: number;
  streams: number;
}

function needsLabels(algo: string, data: string): CuratorError {
  return new CuratorError(
    "BAD_ARGUMENT",
    `--algo ${algo} needs counterfactual labels, but dataset '${data}' was collected without them. Re-collect with --labels oracle or --labels rollout (simulator), or use --algo awr, iql or cql (they learn from behaviour logs).`,
  );
}

/**
 * The whole table in memory, for what streaming cannot join or filter: pass-level groups (grpo-pass) and
 * rollout labels that a budget left on some rows only (label-trained algorithms learn from the labelled rows).
 */
async function inMemoryRows(
  o: ReturnType<typeof TrainOptionsSchema.parse>,
  algo: AlgoDef,
  cfg: unknown,
  reward: { costWeight: number },
): Promise<Prepared> {
  const ds = await readDataset(o.data);
  assertFiniteFeatures(ds.decisions, tableSources(ds, "decisions"));
  const data = trainDataFromDataset(ds, reward);
  if (algo.requiresLabels && !data.cfReward) throw needsLabels(o.algo, o.data);
  if (algo.requiresGroups && !data.groups)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--algo ${o.algo} trains from pass-level groups, but dataset '${o.data}' has none. Re-collect with --labels rollout --rollout-groups 4 (or more), or use --algo grpo.`,
    );
  await useBackend(o.backend);
  const usable = algo.requiresGroups
    ? (r: number) => isGrouped(data, r)
    : algo.requiresLabels
      ? (r: number) => isLabelled(data, r)
      : () => true;
  const all = splitByStream(data, o.valFraction, o.seed);
  const split = { train: all.train.filter(usable), val: all.val.filter(usable) };
  if (split.train.length === 0)
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset '${o.data}' has no training rows ${algo.requiresGroups ? "in a pass-level group" : "with labels"} outside the validation streams: collect more streams, or raise --rollout-states / --rollout-budget.`,
    );
  const norm = normalizationFrom(data, split.train);
  const targets = {
    train: await algo.prepare(data, split.train, cfg, o.seed),
    val: await algo.prepare(data, split.val, cfg, o.seed),
  };
  return {
    rows: memoryData(data, split, targets, norm),
    norm,
    labels: data.cfReward !== undefined,
    trainRows: split.train.length,
    valRows: split.val.length,
    streams: new Set(data.streamId).size,
  };
}

function metricName(labels: boolean): string {
  return labels ? "val_regret" : "val_loss";
}
