import { NUM_ACTIONS } from "../actions.js";
import type { ItemObservation, ExecutorObservation } from "../features/featurizer.js";

/** One curation pass's worth of decisions, in the shapes every curator (learned or baseline) consumes. */
export interface DecisionBatch {
  rows: number;
  /** rows × NUM_FEATURES raw feature values (featurizer output, not normalised). */
  features: Float32Array;
  /** rows × 4 action masks in ACTIONS order, 1 = allowed. */
  masks: Float32Array;
  items: readonly ItemObservation[];
  executor: ExecutorObservation;
  /** Only the simulated world's oracle looks here; real harnesses leave it undefined. */
  privileged?: unknown;
}

export interface Curator {
  readonly name: string;
  /** A stochastic curator's actions are drawn from its probabilities (with a seeded generator), never argmax. */
  readonly stochastic?: boolean;
  /** The training normalisation of a learned curator's features (raw → (x - mean) / std), for out-of-distribution checks. */
  readonly normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Action probabilities, rows × 4 in ACTIONS order; masked actions get probability 0. */
  probs(batch: DecisionBatch): Float32Array | Promise<Float32Array>;
  dispose?(): Promise<void> | void;
}

/** Zeroes masked entries and renormalises each row; a row with nothing allowed falls back to keep. */
export function applyMask(probs: Float32Array, masks: Float32Array, rows: number): Float32Array {
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) {
      const v = masks[r * NUM_ACTIONS + a] > 0 ? probs[r * NUM_ACTIONS + a] : 0;
      probs[r * NUM_ACTIONS + a] = v;
      total += v;
    }
    if (total > 0) for (let a = 0; a < NUM_ACTIONS; a++) probs[r * NUM_ACTIONS + a] /= total;
    else {
      let first = 0;
      while (first < NUM_ACTIONS - 1 && masks[r * NUM_ACTIONS + first] <= 0) first++;
      probs[r * NUM_ACTIONS + first] = 1;
    }
  }
  return probs;
}

/** (1 - eps) · probs + eps · uniform over the allowed actions, per row, in place: a behaviour policy's exploration. */
export function mixUniform(probs: Float32Array, masks: Float32Array, rows: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    let allowed = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) allowed += masks[r * NUM_ACTIONS + a] > 0 ? 1 : 0;
    for (let a = 0; a < NUM_ACTIONS; a++) {
      const u = masks[r * NUM_ACTIONS + a] > 0 ? 1 / allowed : 0;
      probs[r * NUM_ACTIONS + a] = (1 - eps) * probs[r * NUM_ACTIONS + a] + eps * u;
    }
  }
}

/** Index of the most probable action in a row (ties go to the earlier action: keep wins ties). */
export function argmaxRow(probs: Float32Array, row: number): number {
  let best = 0;
  for (let a = 1; a < NUM_ACTIONS; a++) if (probs[row * NUM_ACTIONS + a] > probs[row * NUM_ACTIONS + best]) best = a;
  return best;
}
