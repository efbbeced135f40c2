/**
 * Inference through the ONNX runtime path a harness uses (src/runtime/runtime.ts CuratorRuntime,
 * onnxruntime-node, one intra-op thread), on a curator MLP [F → 64 → 64 → 4] built with buildModel, saved with
 * a card and exported with exportToOnnx. Inputs are real observations of a SkillWorld library.
 *
 *   infer.single      one decision: featurize one item + infer, µs. Peer: the same featurize + tfjs
 *                     `predict` (predictProbs: normalise, predict, mask, softmax) on the same model.
 *   infer.single.ortFloor  the same model's onnxruntime call alone on prebuilt one-row tensors (synchronous
 *                     native call, as the runtime makes it): the floor of infer.single, so its speedup over
 *                     tfjs is the most any featurize + onnxruntime path can reach on this machine.
 *   infer.library10k  a 10,000-item library: featurize + infer, ms. Peer: raw onnxruntime `run` on a
 *                     prebuilt [10000, F] tensor of the same model (the floor: no featurizing, no copies).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { ACTIONS, NUM_ACTIONS } from "../actions.js";
import {
  FEATURE_NAMES,
  FEATURIZER_VERSION,
  NUM_FEATURES,
  featurize,
  type ItemObservation,
} from "../features/featurizer.js";
import { CARD_SCHEMA_VERSION, ModelCardSchema } from "../schemas/card.js";
import { buildModel, predictProbs, saveModel, writeCard, type Normalization } from "../train/model.js";
import { normalizationFrom } from "../train/data.js";
import { tf, useBackend } from "../train/tf.js";
import { exportToOnnx } from "../export/onnx.js";
import { CuratorRuntime, DEFAULT_SESSION_OPTIONS } from "../runtime/runtime.js";
import { FEATURES_INPUT, MASK_INPUT } from "../export/policy.js";
import { SkillWorld } from "../world/world.js";
import { observeWorld } from "../world/observe.js";
import { resolveWorld } from "../world/presets.js";
import { resolveExecutors } from "../executors/presets.js";
import { TOOLKIT_VERSION } from "../version.js";
import { openSyncSession } from "../runtime/sync-session.js";
import { median, perCall, row, speedup, timeRuns, type BenchOptions, type BenchRow } from "./harness.js";

const HIDDEN = [64, 64];

/** Writes a trained-shape model folder (weights, card) and its ONNX export; returns the live tfjs model too. */
async function makeModel(dir: string, norm: Normalization): Promise<{ model: tf.LayersModel; onnx: string }> {
  mkdirSync(dir, { recursive: true });
  const arch = { hidden: HIDDEN, activation: "relu" as const, dropout: 0 };
  const model = buildModel(NUM_FEATURES, arch, 1);
  await saveModel(model, dir);
  const card = ModelCardSchema.parse({
    cardSchemaVersion: CARD_SCHEMA_VERSION,
    toolkitVersion: TOOLKIT_VERSION,
    gitCommit: "bench",
    algorithm: "bc",
    seed: 1,
    config: {},
    architecture: arch,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    normalization: { mean: norm.mean, std: norm.std },
    dataset: { paths: ["bench"], manifestHash: "bench" },
    executors: ["mid"],
    reward: {},
    training: {},
    command: "npm run bench",
  });
  writeCard(dir, card);
  const onnx = join(dir, "curator.onnx");
  await exportToOnnx(dir, onnx);
  return { model, onnx };
}

/** Observations of a real simulated library after some tasks, and normalisation stats over them. */
function observations(): ReturnType<typeof observeWorld> & { norm: Normalization } {
  const world = new SkillWorld(resolveWorld("default"), resolveExecutors("mid"), 7);
  for (let t = 0; t < 150; t++) world.runTask();
  const obs = observeWorld(world);
  const f = featurize(obs.items, obs.executor, obs.library);
  const all = Int32Array.from(obs.items, (_, i) => i);
  return { ...obs, norm: normalizationFrom({ features: f }, all) };
}

export async function benchInfer(o: BenchOptions): Promise<BenchRow[]> {
  const libSize = o.quick ? 2_000 : 10_000;
  const [singleReps, libReps, runs] = o.quick ? [100, 3, 3] : [2_000, 20, 7];
  o.log(
    `infer: model [${NUM_FEATURES} → ${HIDDEN.join(" → ")} → 4], single decision x${singleReps}, library of ${libSize} x${libReps}, ${runs} runs`,
  );
  await useBackend("wasm");
  const dir = mkdtempSync(join(tmpdir(), "curator-bench-infer-"));
  const obs = observations();
  const { model, onnx } = await makeModel(join(dir, "model"), obs.norm);
  const rt = await CuratorRuntime.create(onnx);
  const raw = await ort.InferenceSession.create(onnx, DEFAULT_SESSION_OPTIONS);
  try {
    const one = [obs.items[0]];
    const mask1 = new Float32Array(NUM_ACTIONS).fill(1);
    const oursSingle = await perCall(() => rt.inferObservations(one, obs.executor, obs.library), singleReps, runs);
    const tfjsSingle = await perCall(
      () => {
        const f = featurize(one, obs.executor, obs.library);
        return predictProbs(model, obs.norm, f, mask1, 1);
      },
      singleReps,
      runs,
    );
    const native = openSyncSession(onnx, DEFAULT_SESSION_OPTIONS);
    const oneFeeds = {
      [FEATURES_INPUT]: new ort.Tensor("float32", featurize(one, obs.executor, obs.library), [1, NUM_FEATURES]),
      [MASK_INPUT]: new ort.Tensor("float32", mask1, [1, NUM_ACTIONS]),
    };
    const floorSingle = native
      ? await perCall(() => native.run(oneFeeds, { probs: null }, {}), singleReps, runs)
      : null;
    native?.dispose();

    const items: ItemObservation[] = Array.from({ length: libSize }, (_, i) => obs.items[i % obs.items.length]);
    const lib = { size: libSize, totalTokens: items.reduce((s, it) => s + it.tokens, 0) };
    const oursLib = await perCall(() => rt.inferObservations(items, obs.executor, lib), libReps, runs);
    const feeds = {
      [FEATURES_INPUT]: new ort.Tensor("float32", featurize(items, obs.executor, lib), [libSize, NUM_FEATURES]),
      [MASK_INPUT]: new ort.Tensor("float32", new Float32Array(libSize * NUM_ACTIONS).fill(1), [libSize, NUM_ACTIONS]),
    };
    const rawLib =
      median(
        await timeRuns(async () => {
          for (let i = 0; i < libReps; i++) await raw.run(feeds);
        }, runs),
      ) / libReps;

    const s1 = speedup(oursSingle, tfjsSingle, false);
    const sFloor = floorSingle === null ? null : speedup(floorSingle, tfjsSingle, false);
    const s2 = speedup(oursLib, rawLib, false);
    const name10k = o.quick ? `infer.library${libSize / 1000}k` : "infer.library10k";
    return [
      row({
        name: "infer.single",
        value: oursSingle * 1e6,
        unit: "µs",
        peer: "tfjs-predict",
        peerValue: tfjsSingle * 1e6,
        speedup: s1,
        target: "speedup ≥ 10",
        pass: s1 === null ? null : s1 >= 10,
        note: `CuratorRuntime.inferObservations on 1 item (featurize + onnxruntime-node, 1 thread) vs featurize + predictProbs (tfjs wasm) on the same model; ${singleReps} calls per run, median of ${runs} after a warm-up`,
      }),
      ...(floorSingle === null
        ? []
        : [
            row({
              name: "infer.single.ortFloor",
              value: floorSingle * 1e6,
              unit: "µs",
              peer: "tfjs-predict",
              peerValue: tfjsSingle * 1e6,
              speedup: sFloor,
              target: null,
              note: `onnxruntime's native run alone on prebuilt one-row tensors of the same model (no featurize, no copies): the floor under infer.single, so its speedup is the ceiling for any featurize + onnxruntime path here; ${singleReps} calls per run, median of ${runs}`,
            }),
          ]),
      row({
        name: name10k,
        value: oursLib * 1e3,
        unit: "ms",
        peer: "onnxruntime-raw",
        peerValue: rawLib * 1e3,
        speedup: s2,
        target: "value ≤ 10 ms, speedup ≥ 0.5",
        pass: s2 === null ? null : oursLib * 1e3 <= 10 && s2 >= 0.5,
        note: `CuratorRuntime.inferObservations on ${libSize} items vs InferenceSession.run on a prebuilt [${libSize}, ${NUM_FEATURES}] tensor (same model, 1 thread); ${libReps} calls per run, median of ${runs} after a warm-up`,
      }),
    ];
  } finally {
    await rt.dispose();
    await raw.release();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
