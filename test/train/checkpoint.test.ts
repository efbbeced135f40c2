/**
 * Checkpoints (issue 7, crash safety, in-process): a run stopped after any epoch and continued from its
 * checkpoint ends with the same bytes as a run that never stopped, and a kill between the checkpoint's two
 * writes can never pair a header with the wrong blob.
 */
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { saveCheckpoint, loadCheckpoint } from "../../src/train/checkpoint.js";
import { trainLoop, type LoopState } from "../../src/train/loop.js";
import { buildModel } from "../../src/train/model.js";
import { trainDataFromColumns, splitByStream, normalizationFrom, type TrainData } from "../../src/train/data.js";
import { ALGORITHMS } from "../../src/train/algorithms/registry.js";
import { tf, useBackend } from "../../src/train/tf.js";
import { readDataset } from "../../src/data/dataset.js";
import { DEFAULT_REWARD } from "../../src/reward.js";
import { NUM_FEATURES } from "../../src/features/featurizer.js";
import { tinyLabelledDataset } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "curator-checkpoint-"));
const ARCH = { hidden: [16], activation: "relu" as const, dropout: 0 };
let td: TrainData;
let split: { train: Int32Array; val: Int32Array };

beforeAll(async () => {
  await useBackend("wasm");
  const data = await tinyLabelledDataset(join(root, "data"), { streams: 3, tasks: 80 });
  td = trainDataFromColumns((await readDataset(data)).decisions, DEFAULT_REWARD);
  split = splitByStream(td, 0.34, 1);
});

const fresh = (): LoopState => ({
  epoch: 0,
  bestMetric: Infinity,
  bestEpoch: 0,
  bestWeights: null,
  stale: 0,
  metrics: [],
});
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** A model + Adam pair and a function running the loop (bc) up to `epochs`, checkpointing into `dir`. */
async function session(dir: string) {
  const algo = ALGORITHMS.bc;
  const cfg = algo.config.parse({});
  const norm = normalizationFrom(td, split.train);
  const targets = {
    train: await algo.prepare(td, split.train, cfg, 1),
    val: await algo.prepare(td, split.val, cfg, 1),
  };
  const model = buildModel(NUM_FEATURES, ARCH, 5);
  const optimizer = tf.train.adam(0.01);
  const run = (state: LoopState, epochs: number) =>
    trainLoop({
      model,
      algo,
      cfg,
      data: td,
      split,
      targets,
      norm,
      optimizer,
      state,
      seed: 5,
      loop: { epochs, batchSize: 32, patience: 100 },
      checkpoint: (s) => saveCheckpoint(dir, "fp", model, optimizer, s),
    });
  return { model, optimizer, run, dispose: () => [model, optimizer].forEach((x) => x.dispose()) };
}

describe("training checkpoints", () => {
  it("stopping after any epoch and continuing from the checkpoint gives the same weights, bit for bit", async () => {
    const straight = await session(join(root, "straight"));
    const s = await straight.run(fresh(), 5);
    const expected = weightsOf(straight.model);

    for (const stopAt of [1, 3]) {
      const dir = join(root, `stop-${stopAt}`);
      const first = await session(dir);
      await first.run(fresh(), stopAt);
      first.dispose(); // the process dies here

      const second = await session(dir);
      const state = await loadCheckpoint(dir, "fp", second.model, second.optimizer);
      expect(state?.epoch).toBe(stopAt);
      const resumed = await second.run(state!, 5);
      expect(weightsOf(second.model)).toEqual(expected);
      expect(resumed.metrics).toEqual(s.metrics);
      expect(resumed.bestWeights).toEqual(s.bestWeights);
      second.dispose();
    }
    straight.dispose();
  });

  it("a kill between writing the blob and the header leaves the previous checkpoint whole", async () => {
    const dir = join(root, "torn");
    const a = await session(dir);
    await a.run(fresh(), 2);
    const atTwo = weightsOf(a.model);
    // the next epoch runs elsewhere; only its blob reaches `dir` before the "kill"
    const elsewhere = join(root, "torn-next");
    const b = await session(elsewhere);
    await b.run(fresh(), 3);
    const next = readdirSync(elsewhere).filter((f) => f.endsWith(".bin"));
    expect(next).toHaveLength(1);
    copyFileSync(join(elsewhere, next[0]), join(dir, next[0]));

    const c = await session(dir);
    const state = await loadCheckpoint(dir, "fp", c.model, c.optimizer);
    expect(state?.epoch).toBe(2);
    expect(weightsOf(c.model)).toEqual(atTwo);
    [a, b, c].forEach((x) => x.dispose());
  });

  it("a checkpoint written for other options is not used", async () => {
    const dir = join(root, "other");
    const a = await session(dir);
    await a.run(fresh(), 1);
    const b = await session(dir);
    expect(await loadCheckpoint(dir, "another fingerprint", b.model, b.optimizer)).toBeNull();
    [a, b].forEach((x) => x.dispose());
  });
});
