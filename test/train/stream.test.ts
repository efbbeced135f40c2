/**
 * Training that streams from Parquet row groups (issue 19): a dataset whose split fits one window trains to the
 * same weights as training on the whole table in memory; a larger one trains window by window, deterministic
 * under its seed, holding a bounded number of row groups; algorithms' streamed targets equal their in-memory ones.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDatasetStreaming } from "../../src/bench/flat-train.js";
import { readDataset } from "../../src/data/dataset.js";
import { train } from "../../src/train/train.js";
import { TrainOptionsSchema } from "../../src/train/options.js";
import {
  trainDataFromColumns,
  splitByStream,
  normalizationFrom,
  copyRows,
  allocTrainData,
} from "../../src/train/data.js";
import { trainLoop, type LoopState } from "../../src/train/loop.js";
import { buildModel } from "../../src/train/model.js";
import { tf, useBackend } from "../../src/train/tf.js";
import { bc } from "../../src/train/algorithms/bc.js";
import { grpo } from "../../src/train/algorithms/grpo.js";
import { awr } from "../../src/train/algorithms/awr.js";
import { epochOrder, openDecisions, rowSource, streamedNormalization, windows } from "../../src/train/stream.js";
import { NUM_FEATURES } from "../../src/features/featurizer.js";
import { readWeights } from "./support.js";

const ROWS = 3000; // 4 streams of 800 rows; parts (= row groups) of 500 rows: 6 row groups
let data: string;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "curator-stream-"));
  data = join(root, "data");
  writeSyntheticDatasetStreaming(data, ROWS, 1, 500);
});

const flat = (dir: string) => [...readWeights(dir).values()].map((w) => Array.from(w.data));

describe("streamed training", () => {
  it("trains a dataset that fits one window to the weights in-memory training gives, bit for bit", async () => {
    const o = TrainOptionsSchema.parse({ data, algo: "bc", out: join(root, "one-window"), epochs: 3, seed: 3 });
    await train(o);
    // The in-memory flow train used before streaming: every column read, split, normalised and prepared at once.
    await useBackend("wasm");
    const ds = await readDataset(data);
    const all = trainDataFromColumns(ds.decisions, { costWeight: o.costWeight });
    const split = splitByStream(all, o.valFraction, o.seed);
    const norm = normalizationFrom(all, split.train);
    const cfg = bc.config.parse({});
    const targets = {
      train: await bc.prepare(all, split.train, cfg, o.seed),
      val: await bc.prepare(all, split.val, cfg, o.seed),
    };
    const model = buildModel(NUM_FEATURES, { hidden: o.hidden, activation: o.activation, dropout: o.dropout }, o.seed);
    const optimizer = tf.train.adam(o.learningRate);
    const state: LoopState = { epoch: 0, bestMetric: Infinity, bestEpoch: 0, bestWeights: null, stale: 0, metrics: [] };
    await trainLoop({
      model,
      algo: bc,
      cfg,
      data: all,
      split,
      targets,
      norm,
      optimizer,
      state,
      seed: o.seed,
      loop: { epochs: o.epochs, batchSize: o.batchSize, patience: o.patience },
      checkpoint: async () => {},
    });
    const expected = (state.bestWeights ?? model.getWeights().map((w) => w.dataSync() as Float32Array)).map((w) =>
      Array.from(w),
    );
    expect(flat(o.out)).toEqual(expected);
    const card = JSON.parse(readFileSync(join(o.out, "card.json"), "utf8"));
    expect(card.normalization).toEqual(norm);
    expect(card.config.windowRows).toBeUndefined();
    model.dispose();
    optimizer.dispose();
  });

  it("trains window by window, the same bytes for the same seed, with the same exact normalisation", async () => {
    const run = async (name: string, seed: number) => {
      const out = join(root, name);
      const s = await train({ data, algo: "bc", out, epochs: 2, seed, fitRows: 700, windowRows: 700 });
      return {
        s,
        weights: readFileSync(join(out, "weights.bin")),
        card: JSON.parse(readFileSync(join(out, "card.json"), "utf8")),
      };
    };
    const a = await run("win-a", 3);
    const b = await run("win-b", 3);
    const c = await run("win-c", 4);
    expect(a.weights.equals(b.weights)).toBe(true);
    expect(a.weights.equals(c.weights)).toBe(false);
    expect(a.card.config.windowRows).toBe(700);
    expect(a.card.config.fitRows).toBe(700);
    expect(a.s.trainRows + a.s.valRows).toBe(ROWS);
    const oneWindow = JSON.parse(readFileSync(join(root, "one-window", "card.json"), "utf8"));
    expect(a.card.normalization).toEqual(oneWindow.normalization);
    expect(a.card.training.trainRows).toBe(oneWindow.training.trainRows);
  });

  it("--fit-rows decides whether a split streams, --window-rows how big its windows are (a documented difference in bytes)", async () => {
    const weights = async (name: string, opts: { fitRows?: number; windowRows?: number }) => {
      await train({ data, algo: "bc", out: join(root, name), epochs: 2, seed: 3, ...opts });
      return {
        w: readFileSync(join(root, name, "weights.bin")),
        config: JSON.parse(readFileSync(join(root, name, "card.json"), "utf8")).config,
      };
    };
    // A split that fits is held whole whatever the window: the in-memory bytes.
    const fits = await weights("fit-small-window", { windowRows: 500 });
    const inMemory = await weights("fit-default", {});
    expect(fits.w.equals(inMemory.w)).toBe(true);
    expect(fits.config.windowRows).toBeUndefined();
    // A split that streams follows the window size: another order of rows, other weights.
    const small = await weights("stream-500", { fitRows: 700, windowRows: 500 });
    const large = await weights("stream-1500", { fitRows: 700, windowRows: 1500 });
    expect(small.config).toMatchObject({ fitRows: 700, windowRows: 500 });
    expect(small.w.equals(large.w)).toBe(false);
  });

  it("holds at most one window of row groups, and each epoch sees every training row once", async () => {
    const d = await openDecisions(data, 0.2, 3, { costWeight: 0 });
    expect(d.table.groups).toHaveLength(6);
    for (const [windowRows, bound] of [
      [1, 1],
      [1200, 3],
    ] as const) {
      for (const epoch of [0, 1]) {
        d.stats.peakHeld = 0;
        let rows = 0;
        for await (const w of windows(d, "train", epochOrder(d, 3, epoch), windowRows)) {
          expect(w.rows).toBeLessThanOrEqual(Math.max(windowRows, 500));
          expect(d.stats.held).toBeLessThanOrEqual(bound);
          rows += w.rows;
        }
        expect(rows).toBe(d.rows.train);
        expect(d.stats.peakHeld).toBeGreaterThan(0);
        expect(d.stats.peakHeld).toBeLessThanOrEqual(bound);
      }
    }
    // Epochs visit row groups in different seeded orders.
    expect(epochOrder(d, 3, 0).map((g) => g.firstRow)).not.toEqual(epochOrder(d, 3, 1).map((g) => g.firstRow));
    const norm = await streamedNormalization(d);
    const ds = await readDataset(data);
    const all = trainDataFromColumns(ds.decisions, { costWeight: 0 });
    expect(norm).toEqual(normalizationFrom(all, splitByStream(all, 0.2, 3).train));
  });

  it("gives, block by block, the targets bc, grpo and awr prepare from all rows at once", async () => {
    const d = await openDecisions(data, 0.2, 3, { costWeight: 0 });
    const source = rowSource(d, "train");
    const whole = allocTrainData(d.rows.train, true);
    let at = 0;
    for await (const b of source.blocks()) {
      copyRows(
        whole,
        at,
        b,
        Int32Array.from({ length: b.rows }, (_, i) => i),
      );
      at += b.rows;
    }
    const rows = Int32Array.from({ length: whole.rows }, (_, i) => i);
    await useBackend("wasm");
    for (const algo of [bc, grpo, awr] as const) {
      const cfg = algo.config.parse(algo === awr ? { valueEpochs: 2 } : {});
      const expected = await algo.prepare(whole, rows, cfg as never, 1);
      const streamed = await algo.prepareStream!(source, cfg as never, 1);
      const parts: Record<string, number[]> = {};
      for await (const b of source.blocks())
        for (const [k, v] of Object.entries(streamed.targets(b))) (parts[k] ??= []).push(...v);
      for (const [k, v] of Object.entries(expected)) expect(parts[k]).toEqual(Array.from(v));
    }
  });
});
