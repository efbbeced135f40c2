/**
 * Transitions for the TD-learning algorithms (iql, cql), from decision rows as every collector already writes
 * them: the next state of a decision is the same item at the next curation pass of the same stream (its
 * features there, and which actions were allowed). Retired items and an item's last pass are terminal.
 *
 * No collector change is needed: `stream_id`, `item_id` and `pass` are in every dataset schema (1 and 2).
 * A dataset without them (a hand-made table) gets no next states: every row is terminal, and TD learning
 * reduces to regression on the horizon reward.
 */
import { NUM_ACTIONS } from "../../actions.js";
import { NUM_FEATURES } from "../../features/featurizer.js";
import type { Normalization } from "../model.js";
import type { TrainData } from "../data.js";

/** What a critic trains on, for the given rows: normalised states and next states, logged actions, rewards. */
export interface Transitions {
  rows: number;
  x: Float32Array; // rows × F, normalised
  xNext: Float32Array; // rows × F, normalised (zeros where terminal)
  mask: Float32Array; // rows × 4
  maskNext: Float32Array; // rows × 4 (all allowed where terminal: the value there is multiplied by 0)
  action: Int32Array;
  reward: Float32Array;
  /** 1 where a next state exists, 0 where the row is terminal */
  live: Float32Array;
}

export function transitions(data: TrainData, rows: Int32Array, norm: Normalization): Transitions {
  const F = NUM_FEATURES;
  const n = rows.length;
  const out: Transitions = {
    rows: n,
    x: new Float32Array(n * F),
    xNext: new Float32Array(n * F),
    mask: new Float32Array(n * NUM_ACTIONS),
    maskNext: new Float32Array(n * NUM_ACTIONS).fill(1),
    action: new Int32Array(n),
    reward: new Float32Array(n),
    live: new Float32Array(n),
  };
  const mean = Float32Array.from(norm.mean);
  const std = Float32Array.from(norm.std);
  const put = (dst: Float32Array, i: number, r: number) => {
    for (let f = 0; f < F; f++) dst[i * F + f] = Math.fround(data.features[r * F + f] - mean[f]) / std[f];
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    put(out.x, i, r);
    for (let a = 0; a < NUM_ACTIONS; a++) out.mask[i * NUM_ACTIONS + a] = data.masks[r * NUM_ACTIONS + a];
    out.action[i] = data.action[r];
    out.reward[i] = data.itemReward[r];
    const nx = data.nextRow?.[r] ?? -1;
    if (nx < 0) continue;
    out.live[i] = 1;
    put(out.xNext, i, nx);
    for (let a = 0; a < NUM_ACTIONS; a++) out.maskNext[i * NUM_ACTIONS + a] = data.masks[nx * NUM_ACTIONS + a];
  }
  return out;
}
