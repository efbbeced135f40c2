/**
 * iql and cql learn from behaviour logs alone (collect --labels none): next-pass transitions are found in the
 * rows every collector writes, a policy learned from a tiny world's logs beats the random curator and the
 * behaviour policy that logged them, and the exported ONNX computes what tfjs computes (within 1e-5).
 *
 * Measured (tiny world with featurizer obs-v2, 12 streams × 150 tasks of heuristic + ε 0.3, labels none; eval on
 * weak, mid, strong × 4 held-out streams × 150 tasks), mean p(success): iql 0.602, cql 0.585, behaviour 0.579,
 * random 0.532. With 6 streams iql fell to 0.536 after the obs-v2 world change: too little data to beat random.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { train } from "../../src/train/train.js";
import { exportToOnnx } from "../../src/export/onnx.js";
import { loadModel, predictProbs } from "../../src/train/model.js";
import { trainDataFromColumns } from "../../src/train/data.js";
import { nextRowIndex } from "../../src/train/algorithms/next-row.js";
import { readDataset } from "../../src/data/dataset.js";
import { DEFAULT_REWARD } from "../../src/reward.js";
import { tfjsCurator } from "../../src/curators/tfjs.js";
import { heuristicCurator, randomCurator } from "../../src/curators/baselines.js";
import { runStream, type StreamOptions } from "../../src/world/stream.js";
import { resolveWorld } from "../../src/world/presets.js";
import { resolveExecutor } from "../../src/executors/presets.js";
import { streamSeed } from "../../src/seeds.js";
import { useBackend } from "../../src/train/tf.js";
import { NUM_FEATURES } from "../../src/features/featurizer.js";
import type { Curator } from "../../src/curators/types.js";
import { maxAbsDiff, runOrt } from "../export/support.js";
import { readCard } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "curator-offrl-"));
const EVAL_SEED = 8;
let data: string;

/** Mean success probability over held-out streams of the tiny world (3 executors × 4 streams × 150 tasks). */
async function pSuccess(curator: Curator, opts: Partial<StreamOptions> = {}): Promise<number> {
  const world = resolveWorld("tiny");
  let total = 0;
  let n = 0;
  for (const ex of ["weak", "mid", "strong"])
    for (let s = 0; s < 4; s++) {
      const spec = {
        streamId: s,
        seed: streamSeed(EVAL_SEED, s, "eval"),
        world,
        executors: [resolveExecutor(ex)],
        tasks: 150,
      };
      const run = await runStream(spec, curator, { mode: "argmax", horizon: 2 * world.curationInterval, ...opts });
      for (const t of run.tasks) ((total += t.pSuccess), n++);
    }
  return total / n;
}

beforeAll(async () => {
  await useBackend("wasm");
  data = join(root, "data");
  await collect({
    world: "tiny",
    executors: "weak,mid,strong",
    streams: 12,
    tasks: 150,
    behavior: "heuristic",
    epsilon: 0.3,
    seed: 4,
    labels: "none",
    out: data,
  });
});

describe("next-pass transitions", () => {
  it("link each item to its row at the stream's next pass; retired items and last passes are terminal", () => {
    const d = {
      stream_id: Int32Array.from([0, 0, 0, 0, 1, 0]),
      pass: Int32Array.from([0, 0, 1, 1, 1, 2]),
      item_id: ["a", "b", "a", "b", "a", "a"],
      action: Int32Array.from([0, 3, 1, 0, 0, 0]),
    };
    // a@0 → a@1 (row 2); b@0 retired → terminal; a@1 → a@2 (row 5); b@1 has no later pass; stream 1 is separate
    expect([...nextRowIndex(d)!]).toEqual([2, -1, 5, -1, -1, -1]);
    expect(nextRowIndex({ stream_id: d.stream_id, action: d.action })).toBeUndefined();
  });

  it("are found in a collected dataset without labels", async () => {
    const td = trainDataFromColumns((await readDataset(data)).decisions, DEFAULT_REWARD);
    expect(td.cfReward).toBeUndefined();
    const next = td.nextRow!;
    const live = next.filter((r) => r >= 0).length;
    expect(live / td.rows).toBeGreaterThan(0.5);
    for (let r = 0; r < td.rows; r++) if (next[r] >= 0) expect(td.streamId[next[r]]).toBe(td.streamId[r]);
  });
});

describe.each([["iql"], ["cql"]] as const)("%s from behaviour logs", (algo) => {
  let out: string;
  beforeAll(async () => {
    out = join(root, algo);
    await train({ data, algo, out, seed: 1, epochs: 30, hidden: [32, 32] });
  });

  it("exports to ONNX that matches tfjs within 1e-5", async () => {
    const onnx = join(out, "curator.onnx");
    await exportToOnnx(out, onnx);
    const td = trainDataFromColumns((await readDataset(data)).decisions, DEFAULT_REWARD);
    const rows = Math.min(500, td.rows);
    const features = td.features.slice(0, rows * NUM_FEATURES);
    const masks = td.masks.slice(0, rows * 4);
    const model = await loadModel(out);
    const want = predictProbs(model, readCard(out).normalization, features, masks, rows);
    model.dispose();
    const got = await runOrt(
      onnx,
      { features: [features, [rows, NUM_FEATURES]], action_mask: [masks, [rows, 4]] },
      "probs",
    );
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
  });

  it("beats the random curator on held-out streams (and is printed beside the behaviour policy)", async () => {
    const curator = await tfjsCurator(out);
    const learned = await pSuccess(curator);
    await curator.dispose?.();
    const random = await pSuccess(randomCurator);
    const behaviour = await pSuccess(heuristicCurator, { mode: "sample", epsilon: 0.3 });
    console.log(
      `${algo}: mean p(success) learned ${learned.toFixed(4)}, behaviour ${behaviour.toFixed(4)}, random ${random.toFixed(4)}`,
    );
    expect(learned).toBeGreaterThan(random + 0.01);
    // Not asserted: on this little data the learned policy stays within ±0.03 of heuristic + ε (measured
    // iql 0.602, cql 0.585 vs behaviour 0.579, random 0.532); the larger comparison is in docs/results/offline-rl.md.
  });
});
