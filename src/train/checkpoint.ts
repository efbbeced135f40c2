/**
 * Training checkpoints: everything the loop needs to continue to the same bytes — model weights, Adam's
 * moments, step and accumulated beta powers, best weights so far, epoch counters and metrics. One JSON header
 * + one binary blob, each written atomically. The blob is named after its epoch and written first, and the
 * header names it, so a kill between the two writes leaves the previous (header, blob) pair intact.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tf } from "./tf.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { LoopState } from "./loop.js";

type Group = "model" | "optimizer" | "adam" | "best";

interface Header {
  fingerprint: string;
  /** The blob this header belongs to (absent in checkpoints written before blobs were named per epoch). */
  blob?: string;
  state: Omit<LoopState, "bestWeights">;
  blocks: { group: Group; name: string; shape: number[]; dtype: string; length: number }[];
}

/**
 * tfjs's Adam keeps beta1^t and beta2^t as running products, which getWeights() leaves out and setWeights()
 * recomputes with pow(): equal in value, not always in the last bit. Saved and restored as they are.
 */
function adamPowers(opt: tf.Optimizer): Record<"accBeta1" | "accBeta2", tf.Variable> | null {
  const o = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable
    ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 }
    : null;
}

const BLOB = /^checkpoint(-\d+)?\.bin$/;

export async function saveCheckpoint(
  dir: string,
  fingerprint: string,
  model: tf.LayersModel,
  opt: tf.Optimizer,
  state: LoopState,
) {
  const blocks: Header["blocks"] = [];
  const parts: Float32Array[] = [];
  const add = (group: Group, name: string, t: tf.Tensor | Float32Array, shape?: number[]) => {
    const data = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
    blocks.push({ group, name, shape: shape ?? (t as tf.Tensor).shape, dtype: "float32", length: data.length });
    parts.push(Float32Array.from(data));
  };
  model.getWeights().forEach((w, i) => add("model", String(i), w));
  for (const w of await opt.getWeights()) add("optimizer", w.name, w.tensor);
  for (const [name, v] of Object.entries(adamPowers(opt) ?? {})) add("adam", name, v);
  state.bestWeights?.forEach((w, i) => add("best", String(i), w, model.getWeights()[i].shape));
  const total = parts.reduce((s, p) => s + p.length, 0);
  const blob = new Float32Array(total);
  let off = 0;
  for (const p of parts) blob.set(p, (off += p.length) - p.length);
  const { bestWeights: _ignored, ...rest } = state;
  const blobName = `checkpoint-${state.epoch}.bin`;
  writeFileAtomic(join(dir, blobName), new Uint8Array(blob.buffer));
  writeFileAtomic(
    join(dir, "checkpoint.json"),
    JSON.stringify({ fingerprint, blob: blobName, state: rest, blocks } satisfies Header),
  );
  for (const f of readdirSync(dir)) if (BLOB.test(f) && f !== blobName) rmSync(join(dir, f), { force: true });
}

/** Restores a checkpoint into model and optimiser; returns null when there is none (or it is for other options). */
export async function loadCheckpoint(
  dir: string,
  fingerprint: string,
  model: tf.LayersModel,
  opt: tf.Optimizer,
): Promise<LoopState | null> {
  const hp = join(dir, "checkpoint.json");
  if (!existsSync(hp)) return null;
  const header = JSON.parse(readFileSync(hp, "utf8")) as Header;
  const blobPath = join(dir, header.blob ?? "checkpoint.bin");
  if (header.fingerprint !== fingerprint || !existsSync(blobPath)) return null;
  const buf = readFileSync(blobPath);
  const blob = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (blob.length !== header.blocks.reduce((s, b) => s + b.length, 0)) return null;
  let off = 0;
  const modelW: tf.Tensor[] = [];
  const optW: { name: string; tensor: tf.Tensor }[] = [];
  const powers: Record<string, Float32Array> = {};
  const best: Float32Array[] = [];
  for (const b of header.blocks) {
    const data = blob.slice(off, off + b.length);
    off += b.length;
    if (b.group === "model") modelW.push(tf.tensor(data, b.shape));
    else if (b.group === "optimizer") optW.push({ name: b.name, tensor: tf.tensor(data, b.shape) });
    else if (b.group === "adam") powers[b.name] = data;
    else best.push(data);
  }
  model.setWeights(modelW);
  await opt.setWeights(optW);
  const adam = adamPowers(opt);
  if (adam && powers.accBeta1 && powers.accBeta2)
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(powers.accBeta1[0]));
      adam.accBeta2.assign(tf.scalar(powers.accBeta2[0]));
    });
  tf.dispose(modelW);
  return { ...header.state, bestWeights: best.length ? best : null };
}
