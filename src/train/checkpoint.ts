/**
 * Training checkpoints: everything the loop needs to continue to the same bytes — model weights, Adam's
 * moments and step, best weights so far, epoch counters and metrics. One JSON header + one binary blob,
 * each written atomically.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tf } from "./tf.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { LoopState } from "./loop.js";

interface Header {
  fingerprint: string;
  state: Omit<LoopState, "bestWeights">;
  blocks: { group: "model" | "optimizer" | "best"; name: string; shape: number[]; dtype: string; length: number }[];
}

export async function saveCheckpoint(dir: string, fingerprint: string, model: tf.LayersModel, opt: tf.Optimizer, state: LoopState) {
  const blocks: Header["blocks"] = [];
  const parts: Float32Array[] = [];
  const add = (group: Header["blocks"][number]["group"], name: string, t: tf.Tensor | Float32Array, shape?: number[]) => {
    const data = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
    blocks.push({ group, name, shape: shape ?? (t as tf.Tensor).shape, dtype: "float32", length: data.length });
    parts.push(Float32Array.from(data));
  };
  model.getWeights().forEach((w, i) => add("model", String(i), w));
  for (const w of await opt.getWeights()) add("optimizer", w.name, w.tensor);
  state.bestWeights?.forEach((w, i) => add("best", String(i), w, model.getWeights()[i].shape));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const blob = new Float32Array(total);
  let off = 0;
  for (const p of parts) blob.set(p, (off += p.length) - p.length);
  const { bestWeights: _ignored, ...rest } = state;
  writeFileAtomic(join(dir, "checkpoint.bin"), new Uint8Array(blob.buffer));
  writeFileAtomic(join(dir, "checkpoint.json"), JSON.stringify({ fingerprint, state: rest, blocks } satisfies Header));
}

/** Restores a checkpoint into model and optimiser; returns null when there is none (or it is for other options). */
export async function loadCheckpoint(dir: string, fingerprint: string, model: tf.LayersModel, opt: tf.Optimizer): Promise<LoopState | null> {
  const hp = join(dir, "checkpoint.json");
  if (!existsSync(hp) || !existsSync(join(dir, "checkpoint.bin"))) return null;
  const header = JSON.parse(readFileSync(hp, "utf8")) as Header;
  if (header.fingerprint !== fingerprint) return null;
  const buf = readFileSync(join(dir, "checkpoint.bin"));
  const blob = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  let off = 0;
  const modelW: tf.Tensor[] = [];
  const optW: { name: string; tensor: tf.Tensor }[] = [];
  const best: Float32Array[] = [];
  for (const b of header.blocks) {
    const data = blob.slice(off, off + b.length);
    off += b.length;
    if (b.group === "model") modelW.push(tf.tensor(data, b.shape));
    else if (b.group === "optimizer") optW.push({ name: b.name, tensor: tf.tensor(data, b.shape) });
    else best.push(data);
  }
  model.setWeights(modelW);
  await opt.setWeights(optW);
  tf.dispose(modelW);
  return { ...header.state, bestWeights: best.length ? best : null };
}
