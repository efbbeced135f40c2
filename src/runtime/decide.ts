/**
 * One curation pass over a library, for any Curator (ONNX model or baseline): observe → featurize →
 * governance masks → curator probabilities → argmax (or seeded sampling) → change cap → reasons.
 */
import { ACTIONS, type Action } from "../actions.js";
import type { LibraryItem } from "../schemas/item.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Governance } from "../schemas/world.js";
import type { ExecutorObservation } from "../features/featurizer.js";
import { featurizeInto, NUM_FEATURES } from "../features/featurizer.js";
import { observeLibrary } from "../features/observe.js";
import type { SimilarityProgress } from "../text/similarity.js";
import { applyMask, argmaxRow, type Curator } from "../curators/types.js";
import { chooseWithCap, DEFAULT_GOVERNANCE, maskFor } from "../governance/rules.js";
import { resolveExecutor } from "../executors/presets.js";
import { Rng } from "../util/rng.js";
import { CuratorError } from "../errors.js";
import { explain, type Constraint } from "./reasons.js";

export type ActionProbs = Record<Action, number>;

export interface Decision {
  id: string;
  action: Action;
  /** Final probabilities (governance mask and change cap applied, renormalised). */
  probs: ActionProbs;
  /** Actions governance allowed (shared, frozen arrays: copy before changing). */
  allowed: Action[];
  reason: string;
}

export interface DecideOptions {
  /** Current task index (default: the largest task index in the items' stats). */
  now?: number;
  /** Rules turned into the action mask; default DEFAULT_GOVERNANCE (10% change cap). */
  governance?: Governance;
  /** Sample actions from the probabilities with this seed instead of taking the argmax. */
  sample?: { seed: number };
  /** Logged executor statistics (success rate, budget use); see observe.ts for defaults. */
  executorStats?: Partial<ExecutorObservation>;
  /** Name matched against items' `author`; default: the executor profile's name. */
  executorName?: string;
  /** Progress of the near-duplicate search (see observeLibrary). */
  onProgress?: SimilarityProgress;
}

export interface DecideResult {
  decisions: Decision[];
  modelHash: string;
  curator: string;
  /** Rows whose retire/rewrite was withheld by the change cap. */
  capped: number;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** The 16 possible allowed-action lists, by mask bits (keep = 1, compress = 2, rewrite = 4, retire = 8); shared, frozen. */
const ALLOWED_BY_MASK: Action[][] = Array.from({ length: 16 }, (_, bits) => Object.freeze(ACTIONS.filter((_, a) => bits & (1 << a))) as Action[]);

/** Reusable float buffers: grown when a larger library arrives, never shrunk. */
export class BatchBuffers {
  features = new Float32Array(0);
  masks = new Float32Array(0);
  ensure(rows: number): void {
    if (this.features.length < rows * NUM_FEATURES) {
      this.features = new Float32Array(rows * NUM_FEATURES);
      this.masks = new Float32Array(rows * 4);
    }
  }
}

export async function decideWithCurator(
  curator: Curator,
  modelHash: string,
  items: readonly LibraryItem[],
  executor: ExecutorProfile | string,
  options: DecideOptions = {},
  buffers: BatchBuffers = new BatchBuffers(),
): Promise<DecideResult> {
  const profile = typeof executor === "string" ? resolveExecutor(executor) : executor;
  const rules = options.governance ?? DEFAULT_GOVERNANCE;
  const obs = observeLibrary(items, {
    now: options.now,
    executor: profile,
    executorName: options.executorName,
    executorStats: options.executorStats,
    onProgress: options.onProgress,
  });
  const rows = items.length;
  buffers.ensure(rows);
  const features = buffers.features.subarray(0, rows * NUM_FEATURES);
  const masks = buffers.masks.subarray(0, rows * 4);
  const governed = { pinned: false, tags: NO_TAGS, kind: "skill" as LibraryItem["kind"], age: 0 };
  for (let r = 0; r < rows; r++) {
    featurizeInto(features, r * NUM_FEATURES, obs.observations[r], obs.executor, obs.library);
    governed.pinned = items[r].pinned === true;
    governed.tags = items[r].tags ?? NO_TAGS;
    governed.kind = items[r].kind;
    governed.age = obs.observations[r].age;
    maskFor(governed, rules, masks, r * 4);
  }
  const raw = await curator.probs({ rows, features, masks, items: obs.observations, executor: obs.executor });
  if (raw.length < rows * 4)
    throw new CuratorError("INVALID_FILE", `Curator '${curator.name}' returned ${raw.length} probabilities for ${rows} items (expected ${rows * 4}).`);
  const probs = applyMask(raw.slice(0, rows * 4), masks, rows);
  const capMasks = masks.slice();
  const sampled = options.sample ? sampleRows(probs, masks, rows, options.sample.seed) : undefined;
  const chosen = chooseWithCap(probs, capMasks, rows, rules, sampled);
  const decisions: Decision[] = new Array(rows);
  let capped = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * 4;
    const wasCapped = capMasks[o + 2] !== masks[o + 2] || capMasks[o + 3] !== masks[o + 3];
    if (wasCapped) capped++;
    const action = ACTIONS[chosen[r]];
    const allowed = ALLOWED_BY_MASK[(capMasks[o] > 0 ? 1 : 0) | (capMasks[o + 1] > 0 ? 2 : 0) | (capMasks[o + 2] > 0 ? 4 : 0) | (capMasks[o + 3] > 0 ? 8 : 0)];
    decisions[r] = {
      id: items[r].id,
      action,
      probs: { keep: probs[o], compress: probs[o + 1], rewrite: probs[o + 2], retire: probs[o + 3] },
      allowed,
      reason: explain(action, obs.observations[r], obs.executor, constraintOf(items[r], obs.observations[r].age, rules, masks, o, wasCapped)),
    };
  }
  return { decisions, modelHash, curator: curator.name, capped };
}

function constraintOf(item: LibraryItem, age: number, rules: Governance, masks: Float32Array, o: number, capped: boolean): Constraint {
  if (item.pinned) return "pinned";
  if (capped) return "capped";
  if (masks[o + 3] === 0) return age < rules.minAgeToRetire ? "young" : "protected";
  return null;
}

/** One categorical draw per row from a seeded generator: same seed, same choices. Never a masked action. */
export function sampleRows(probs: Float32Array, masks: Float32Array, rows: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = rng.categorical(probs.subarray(r * 4, r * 4 + 4));
    out[r] = masks[r * 4 + a] > 0 && probs[r * 4 + a] > 0 ? a : argmaxRow(probs, r);
  }
  return out;
}
