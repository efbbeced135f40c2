/**
 * train.samples: training samples per second of our training step (src/train/loop.ts trainLoop, tfjs wasm
 * backend, one core) on the curator MLP [F → 64 → 64 → 4], batch 256, Adam, the `bc` loss; one run is one
 * epoch over the same number of synthetic rows on both sides. Peer: PyTorch CPU (scripts/bench-torch.py) doing
 * the same per-batch work; its epochs alternate with ours.
 */
import { tf, useBackend } from "../train/tf.js";
import { buildModel, type Normalization } from "../train/model.js";
import { trainLoop, type LoopState } from "../train/loop.js";
import { normalizationFrom, type TrainData } from "../train/data.js";
import { bc } from "../train/algorithms/bc.js";
import { NUM_FEATURES } from "../features/featurizer.js";
import { Rng } from "../util/rng.js";
import { median, row, speedup, type BenchOptions, type BenchRow } from "./harness.js";
import { ensureTorch, TorchPeer } from "./torch.js";

const HIDDEN = [64, 64];
const BATCH = 256;
const LR = 2e-3;

/** Rows of labelled training data with plausible shapes (values do not affect speed). */
export function syntheticTrainData(rows: number, seed = 1): TrainData {
  const rng = new Rng([seed, 0xbe7c]);
  const features = Float32Array.from({ length: rows * NUM_FEATURES }, () => rng.normal());
  const masks = new Float32Array(rows * 4);
  const cfReward = new Float32Array(rows * 4);
  for (let i = 0; i < rows * 4; i++) {
    masks[i] = i % 4 === 0 || rng.next() < 0.9 ? 1 : 0;
    cfReward[i] = masks[i] ? rng.uniform(-1, 1) : NaN;
  }
  return {
    rows,
    features,
    masks,
    action: new Int32Array(rows),
    behaviorProbs: new Float32Array(rows * 4).fill(0.25),
    itemReward: new Float32Array(rows),
    cfReward,
    streamId: Int32Array.from({ length: rows }, (_, i) => Math.floor(i / 800)),
    executors: ["mid"],
  };
}

/** Our side: one model and optimizer; each call trains one more epoch and returns samples/s. */
async function ourTrainer(rows: number): Promise<{ epoch: () => Promise<number>; dispose: () => void }> {
  await useBackend("wasm");
  const data = syntheticTrainData(rows);
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  const cfg = bc.config.parse({});
  const targets = { train: await bc.prepare(data, all, cfg, 1), val: {} };
  const norm: Normalization = normalizationFrom(data, all);
  const model = buildModel(NUM_FEATURES, { hidden: HIDDEN, activation: "relu", dropout: 0 }, 1);
  const optimizer = tf.train.adam(LR);
  const state: LoopState = { epoch: 0, bestMetric: Infinity, bestEpoch: 0, bestWeights: null, stale: 0, metrics: [] };
  const epoch = async () => {
    const t0 = performance.now();
    await trainLoop({
      model,
      algo: bc,
      cfg,
      data,
      norm,
      optimizer,
      state,
      seed: 1,
      loop: { epochs: state.epoch + 1, batchSize: BATCH, patience: Number.MAX_SAFE_INTEGER },
      split: { train: all, val: new Int32Array(0) },
      targets,
      checkpoint: async () => {},
    });
    return rows / ((performance.now() - t0) / 1000);
  };
  return { epoch, dispose: () => (model.dispose(), optimizer.dispose()) };
}

export async function benchTrain(o: BenchOptions): Promise<BenchRow[]> {
  const [rows, rounds] = o.quick ? [4096, 3] : [32_768, 7];
  const arch = `[${NUM_FEATURES} → ${HIDDEN.join(" → ")} → 4], batch ${BATCH}, Adam lr ${LR}`;
  o.log(`train.samples: ${arch}, ${rows} rows per epoch, ${rounds} rounds`);
  const ours = await ourTrainer(rows);
  const why = ensureTorch(o.install, o.log);
  let peer: TorchPeer | null = null;
  let peerNote = "";
  if (why === null) {
    try {
      peer = await TorchPeer.start({ features: NUM_FEATURES, hidden: HIDDEN, batch: BATCH, rows, lr: LR });
      peerNote = `PyTorch ${peer.meta.torch} (${peer.meta.threads} thread, ${peer.meta.blas} BLAS)`;
    } catch (e) {
      peerNote = `peer failed: ${(e as Error).message}`;
    }
  } else peerNote = `peer unavailable: ${why}`;

  const mine: number[] = [];
  const theirs: number[] = [];
  try {
    await ours.epoch(); // warm-up (the peer warmed up before it said ready)
    for (let r = 0; r < rounds; r++) {
      mine.push(await ours.epoch());
      if (peer) theirs.push(await peer.epoch());
    }
  } finally {
    peer?.stop();
    ours.dispose();
  }
  const value = median(mine);
  const peerValue = theirs.length ? median(theirs) : null;
  const s = speedup(value, peerValue, true);
  return [
    row({
      name: "train.samples",
      value,
      unit: "samples/s",
      peer: peerValue === null ? null : "pytorch-cpu",
      peerValue,
      speedup: s,
      target: "speedup ≥ 0.5",
      pass: s === null ? null : s >= 0.5,
      note: `trainLoop (tfjs wasm, 1 core), ${arch}, bc loss, epochs of ${rows} rows alternating with the peer; median of ${rounds} after a warm-up. ${peerNote}`,
    }),
  ];
}
