/**
 * The conformance suite every training algorithm passes (issue 3; d3rlpy's algo_tester): parameters change,
 * loss falls, save → load gives identical predictions, same seed ⇒ same bytes, the mask is respected, and the
 * run leaves a complete, self-describing model folder (metrics.jsonl, card.json).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { train, type TrainSummary } from "../../src/train/train.js";
import { ALGORITHMS, ALGO_NAMES, type AlgoName } from "../../src/train/algorithms/registry.js";
import type { AlgoDef } from "../../src/train/algorithms/types.js";
import { buildModel, loadModel, predictProbs, saveModel } from "../../src/train/model.js";
import { trainDataFromDataset, splitByStream, normalizationFrom } from "../../src/train/data.js";
import { trainLoop, type LoopState } from "../../src/train/loop.js";
import { tf, useBackend } from "../../src/train/tf.js";
import { readDataset } from "../../src/data/dataset.js";
import { DEFAULT_REWARD } from "../../src/reward.js";
import { FEATURE_NAMES, FEATURIZER_VERSION, NUM_FEATURES } from "../../src/features/featurizer.js";
import { ACTIONS } from "../../src/actions.js";
import { TOOLKIT_VERSION } from "../../src/version.js";
import { Rng } from "../../src/util/rng.js";
import { forwardFromFiles, readCard, readWeights, tinyLabelledDataset } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "curator-conformance-"));
let data: string;
let sample: { features: Float32Array; masks: Float32Array; rows: number };

const OPTS = { seed: 1, epochs: 6, patience: 6, hidden: [16], batchSize: 128, learningRate: 0.01 };

beforeAll(async () => {
  await useBackend("wasm");
  data = await tinyLabelledDataset(join(root, "data"), { groups: 4 });
  const td = trainDataFromDataset(await readDataset(data), DEFAULT_REWARD);
  const rows = Math.min(200, td.rows);
  sample = { features: td.features.slice(0, rows * NUM_FEATURES), masks: td.masks.slice(0, rows * 4), rows };
});

const files = (dir: string, f: string) => readFileSync(join(dir, f));
const metricsOf = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number | null>);

/** Seeded masks with at least one allowed action per row, many rows with actions masked out. */
function randomMasks(rows: number, seed: number): Float32Array {
  const rng = new Rng([seed, 0x3a5c]);
  const m = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < 4; a++) m[r * 4 + a] = rng.bernoulli(0.5) ? 1 : 0;
    if (!m.subarray(r * 4, r * 4 + 4).some((v) => v > 0)) m[r * 4 + rng.int(4)] = 1;
  }
  return m;
}

describe.each(ALGO_NAMES.map((a) => [a]))("%s conforms", (algo: AlgoName) => {
  let first: string;
  let second: string;
  let summary: TrainSummary;

  beforeAll(async () => {
    first = join(root, `${algo}-a`);
    second = join(root, `${algo}-b`);
    summary = await train({ data, algo, out: first, ...OPTS });
    await train({ data, algo, out: second, ...OPTS });
  });

  it("same seed ⇒ byte-identical weights, topology, metrics and card", () => {
    for (const f of ["weights.bin", "model.json", "metrics.jsonl", "card.json"])
      expect(files(second, f).equals(files(first, f)), f).toBe(true);
  });

  it("parameters move away from their seeded initialisation", () => {
    const init = buildModel(NUM_FEATURES, readCard(first).architecture, OPTS.seed);
    const trained = readWeights(first);
    const names = [...trained.keys()].filter((n) => n.endsWith("/kernel"));
    expect(names.length).toBe(2);
    init.getWeights().forEach((w, i) => {
      if (w.shape.length !== 2) return;
      const before = w.dataSync();
      const after = trained.get(names[Math.floor(i / 2)])!.data;
      const moved = Math.max(...Array.from(after, (v, k) => Math.abs(v - before[k])));
      expect(moved, names[Math.floor(i / 2)]).toBeGreaterThan(1e-3);
    });
    init.dispose();
  });

  it("the training loss falls", () => {
    const m = metricsOf(first);
    const losses = m.map((e) => e.loss as number);
    expect(Math.min(...losses.slice(1))).toBeLessThan(losses[0]);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });

  it("metrics.jsonl has one line per epoch with epoch, loss and a validation metric", () => {
    const m = metricsOf(first);
    expect(m.length).toBe(summary.epochs);
    m.forEach((e, i) => {
      expect(e.epoch).toBe(i + 1);
      expect(Number.isFinite(e.loss)).toBe(true);
      expect(Number.isFinite(e.val_metric)).toBe(true);
      expect(Number.isFinite(e[summary.metricName])).toBe(true);
    });
    expect(summary.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(summary.bestMetric).toBe(Math.min(...m.map((e) => e.val_metric as number)));
  });

  it("card.json describes the model: features in order, versions, normalisation, dataset hash, seed, commit", async () => {
    const card = readCard(first);
    expect(card.algorithm).toBe(algo);
    expect(card.seed).toBe(OPTS.seed);
    expect(card.featureNames).toEqual([...FEATURE_NAMES]);
    expect(card.actionNames).toEqual([...ACTIONS]);
    expect(card.featurizerVersion).toBe(FEATURIZER_VERSION);
    expect(card.toolkitVersion).toBe(TOOLKIT_VERSION);
    expect(card.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(card.normalization.mean).toHaveLength(NUM_FEATURES);
    expect(card.normalization.std).toHaveLength(NUM_FEATURES);
    expect(card.normalization.std.every((s) => s > 0)).toBe(true);
    expect(card.dataset.manifestHash).toBe((await readDataset(data)).hash);
    // the resolved algorithm config (every knob of its schema) is recorded
    expect(Object.keys(card.config)).toEqual(expect.arrayContaining(Object.keys(ALGORITHMS[algo].config.parse({}))));
    expect(card.architecture.hidden).toEqual(OPTS.hidden);
  });

  it("save → load gives identical predictions", async () => {
    const td = trainDataFromDataset(await readDataset(data), DEFAULT_REWARD);
    const split = splitByStream(td, 0.25, 1);
    const norm = normalizationFrom(td, split.train);
    const def: AlgoDef = ALGORITHMS[algo];
    const cfg = def.config.parse({});
    const targets = {
      train: await def.prepare(td, split.train, cfg, 1),
      val: await def.prepare(td, split.val, cfg, 1),
    };
    const model = buildModel(NUM_FEATURES, { hidden: [16], activation: "relu", dropout: 0 }, 3);
    const optimizer = tf.train.adam(0.01);
    const state: LoopState = { epoch: 0, bestMetric: Infinity, bestEpoch: 0, bestWeights: null, stale: 0, metrics: [] };
    await trainLoop({
      model,
      algo: def,
      cfg,
      data: td,
      split,
      targets,
      norm,
      optimizer,
      state,
      seed: 1,
      loop: { epochs: 2, batchSize: 128, patience: 5 },
      checkpoint: async () => {},
    });
    const masks = randomMasks(sample.rows, 9);
    const live = predictProbs(model, norm, sample.features, masks, sample.rows);
    const dir = join(root, `${algo}-roundtrip`);
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(predictProbs(loaded, norm, sample.features, masks, sample.rows)).toEqual(live);
    [model, loaded, optimizer].forEach((x) => x.dispose());
  });

  it("the saved folder alone defines the policy (an independent forward pass agrees within 1e-5)", async () => {
    const card = readCard(first);
    const model = await loadModel(first);
    const masks = randomMasks(sample.rows, 4);
    const probs = predictProbs(model, card.normalization, sample.features, masks, sample.rows);
    const reference = forwardFromFiles(first, sample.features, masks, sample.rows);
    for (let i = 0; i < probs.length; i++) expect(Math.abs(probs[i] - reference[i])).toBeLessThan(1e-5);
    model.dispose();
  });

  it("the mask is respected: masked actions get probability < 1e-6, rows sum to 1", async () => {
    const card = readCard(first);
    const model = await loadModel(first);
    for (const seed of [1, 2]) {
      const masks = randomMasks(sample.rows, seed);
      const probs = predictProbs(model, card.normalization, sample.features, masks, sample.rows);
      for (let r = 0; r < sample.rows; r++) {
        let total = 0;
        for (let a = 0; a < 4; a++) {
          if (masks[r * 4 + a] === 0) expect(probs[r * 4 + a]).toBeLessThan(1e-6);
          total += probs[r * 4 + a];
        }
        expect(total).toBeCloseTo(1, 5);
      }
    }
    // a single allowed action gets everything, whichever it is
    for (let a = 0; a < 4; a++) {
      const only = new Float32Array(sample.rows * 4);
      for (let r = 0; r < sample.rows; r++) only[r * 4 + a] = 1;
      const probs = predictProbs(model, card.normalization, sample.features, only, sample.rows);
      for (let r = 0; r < sample.rows; r++) expect(probs[r * 4 + a]).toBeCloseTo(1, 6);
    }
    model.dispose();
  });
});
