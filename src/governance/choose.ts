/**
 * Choosing under the change cap: one action per row from the curator's (masked) probabilities, by argmax or a
 * seeded draw, then at most `changeCap` retire/rewrite decisions per pass (the most confident win).
 *
 * Two faces over one ranking (`overCap`): `chooseWithCap` for collection and evaluation (capped rows get
 * retire/rewrite masked out and their probabilities renormalised in place, as datasets record them), and
 * `chooseForReview` for `decide` (the curator's own probabilities are left untouched; the cap's override is
 * returned beside them).
 */
import { ACTION_INDEX, NUM_ACTIONS } from "../actions.js";
import type { Governance } from "../schemas/world.js";
import { applyMask, argmaxRow } from "../curators/types.js";
import type { Rng } from "../util/rng.js";

export function changeCap(librarySize: number, rules: Governance): number {
  if (rules.maxChangeShare <= 0) return 0;
  return Math.max(1, Math.floor(rules.maxChangeShare * librarySize));
}

/** One categorical draw per row from `rng`: same generator state, same choices. Never a masked action. */
export function sampleRows(probs: Float32Array, masks: Float32Array, rows: number, rng: Rng): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = rng.categorical(probs.subarray(r * NUM_ACTIONS, r * NUM_ACTIONS + NUM_ACTIONS));
    out[r] = masks[r * NUM_ACTIONS + a] > 0 && probs[r * NUM_ACTIONS + a] > 0 ? a : argmaxRow(probs, r);
  }
  return out;
}

/** Argmax per row, or the given sampled choices. */
function initialChoices(probs: Float32Array, rows: number, sampled?: Int32Array): Int32Array {
  const chosen = new Int32Array(rows);
  for (let r = 0; r < rows; r++) chosen[r] = sampled ? sampled[r] : argmaxRow(probs, r);
  return chosen;
}

/** Rows whose retire/rewrite exceeds the cap: changes ranked by the chosen action's probability (ties: row order). */
export function overCap(probs: Float32Array, chosen: Int32Array, rows: number, rules: Governance): number[] {
  const changing: number[] = [];
  for (let r = 0; r < rows; r++) if (chosen[r] >= 2) changing.push(r);
  const cap = changeCap(rows, rules);
  if (changing.length <= cap) return [];
  rankChanges(changing, probs, chosen);
  return changing.slice(cap);
}

/** Row numbers below this fit beside a probability's 32 bits in one exact sort key. */
const KEY_ROWS = 2 ** 21;

/**
 * Sorts changing rows by the chosen action's probability, highest first, ties in row order. A million rows sort
 * as numbers (a comparator sort of them takes seconds): key = (2^32 − 1 − the float's bits) · 2^21 + row, exact
 * below 2^53, and a non-negative float's bits order as its value does. -0, NaN or a larger row take the comparator.
 */
export function rankChanges(changing: number[], probs: Float32Array, chosen: Int32Array): void {
  const bits = new Uint32Array(probs.buffer, probs.byteOffset, probs.length);
  const keys = new Float64Array(changing.length);
  for (let i = 0; i < changing.length; i++) {
    const r = changing[i];
    const at = r * NUM_ACTIONS + chosen[r];
    if (!(probs[at] >= 0) || bits[at] === 0x80000000 || r >= KEY_ROWS) {
      changing.sort((x, y) => probs[y * NUM_ACTIONS + chosen[y]] - probs[x * NUM_ACTIONS + chosen[x]] || x - y);
      return;
    }
    keys[i] = (0xffffffff - bits[at]) * KEY_ROWS + r;
  }
  keys.sort();
  for (let i = 0; i < keys.length; i++) changing[i] = keys[i] % KEY_ROWS;
}

/**
 * Masks out retire/rewrite of row `r` in `masks` and returns the row's best remaining action (on a renormalised
 * copy in `row`). A row left with no action (a structural rule allowed only rewrite / retire) keeps its item:
 * the change waits for a later pass.
 */
function capRow(probs: Float32Array, masks: Float32Array, r: number, row: Float32Array): number {
  const o = r * NUM_ACTIONS;
  masks[o + ACTION_INDEX.rewrite] = 0;
  masks[o + ACTION_INDEX.retire] = 0;
  if (!(masks[o + ACTION_INDEX.keep] > 0) && !(masks[o + ACTION_INDEX.compress] > 0)) masks[o + ACTION_INDEX.keep] = 1;
  row.set(probs.subarray(o, o + NUM_ACTIONS));
  applyMask(row, masks.subarray(o, o + NUM_ACTIONS), 1);
  return argmaxRow(row, 0);
}

/**
 * Chooses an action per row and enforces the change cap. Rows pushed over the cap get retire/rewrite masked
 * out (in `masks` too, so logs show what was allowed) and their `probs` renormalised in place.
 */
export function chooseWithCap(
  probs: Float32Array,
  masks: Float32Array,
  rows: number,
  rules: Governance,
  sampled?: Int32Array,
): Int32Array {
  const chosen = initialChoices(probs, rows, sampled);
  const row = new Float32Array(NUM_ACTIONS);
  for (const r of overCap(probs, chosen, rows, rules)) {
    chosen[r] = capRow(probs, masks, r, row);
    probs.set(row, r * NUM_ACTIONS);
  }
  return chosen;
}

export interface ReviewChoice {
  /** The final action per row (after the cap). */
  chosen: Int32Array;
  /** Per row: the curator's own choice the cap overrode, or -1. */
  cappedFrom: Int32Array;
}

/** As chooseWithCap, but `probs` is left as the curator gave it; `masks` still loses retire/rewrite of capped rows. */
export function chooseForReview(
  probs: Float32Array,
  masks: Float32Array,
  rows: number,
  rules: Governance,
  sampled?: Int32Array,
): ReviewChoice {
  const chosen = initialChoices(probs, rows, sampled);
  const cappedFrom = new Int32Array(rows).fill(-1);
  const row = new Float32Array(NUM_ACTIONS);
  for (const r of overCap(probs, chosen, rows, rules)) {
    cappedFrom[r] = chosen[r];
    chosen[r] = capRow(probs, masks, r, row);
  }
  return { chosen, cappedFrom };
}
