/** Shared pieces for the training tests: a tiny labelled dataset and an independent forward pass. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { collect } from "../../src/collect/collect.js";
import { ModelCardSchema, type ModelCard } from "../../src/schemas/card.js";

/**
 * Collects a small labelled dataset (tiny world) into `out`. With `groups`, the labels come from rollouts (the
 * same bytes as oracle labels) plus G-member pass-level groups, so every algorithm, grpo-pass included, can train on it.
 */
export async function tinyLabelledDataset(
  out: string,
  opts: { streams?: number; tasks?: number; seed?: number; groups?: number } = {},
): Promise<string> {
  await collect({
    world: "tiny",
    executors: "weak,mid,strong",
    streams: opts.streams ?? 4,
    tasks: opts.tasks ?? 100,
    behavior: "heuristic",
    epsilon: 0.3,
    seed: opts.seed ?? 1,
    ...(opts.groups ? { labels: "rollout" as const, rolloutGroups: opts.groups } : { labels: "oracle" as const }),
    out,
  });
  return out;
}

export function readCard(dir: string): ModelCard {
  return ModelCardSchema.parse(JSON.parse(readFileSync(join(dir, "card.json"), "utf8")));
}

/** Weights of a saved model folder by name (from model.json's manifest and weights.bin), as float32 arrays. */
export function readWeights(dir: string): Map<string, { shape: number[]; data: Float32Array }> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const buf = readFileSync(join(dir, "weights.bin"));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let at = 0;
  for (const w of json.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, { shape: w.shape, data: all.subarray(at, at + n) });
    at += n;
  }
  if (at !== all.length) throw new Error(`weights.bin holds ${all.length} floats, the manifest ${at}`);
  return out;
}

/**
 * The policy a model folder defines, computed in plain JS from its files alone (model.json topology,
 * weights.bin, the card's normalisation): (x − mean) / std → Dense layers → masked softmax. Float64 math.
 */
export function forwardFromFiles(dir: string, features: Float32Array, masks: Float32Array, rows: number): Float64Array {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const card = readCard(dir);
  const weights = readWeights(dir);
  const layers = json.modelTopology.config.layers as {
    class_name: string;
    config: { name: string; units?: number; activation?: string };
  }[];
  const F = card.normalization.mean.length;
  const out = new Float64Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    let h = Array.from(
      { length: F },
      (_, f) => (features[r * F + f] - card.normalization.mean[f]) / card.normalization.std[f],
    );
    for (const l of layers) {
      if (l.class_name === "Dropout") continue;
      if (l.class_name !== "Dense") throw new Error(`unexpected layer ${l.class_name}`);
      const k = weights.get(`${l.config.name}/kernel`)!;
      const b = weights.get(`${l.config.name}/bias`)!;
      const [nIn, nOut] = k.shape;
      const next = new Array<number>(nOut);
      for (let j = 0; j < nOut; j++) {
        let s = b.data[j];
        for (let i = 0; i < nIn; i++) s += h[i] * k.data[i * nOut + j];
        const act = l.config.activation;
        next[j] =
          act === "relu"
            ? Math.max(0, s)
            : act === "tanh"
              ? Math.tanh(s)
              : act === "elu"
                ? s > 0
                  ? s
                  : Math.expm1(s)
                : s;
      }
      h = next;
    }
    const allowed = [0, 1, 2, 3].filter((a) => masks[r * 4 + a] > 0);
    const top = Math.max(...allowed.map((a) => h[a]));
    const z = allowed.reduce((s, a) => s + Math.exp(h[a] - top), 0);
    for (const a of allowed) out[r * 4 + a] = Math.exp(h[a] - top) / z;
  }
  return out;
}
