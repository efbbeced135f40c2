/**
 * Behaviour propensities under the change cap: the marginal probability that a curation pass ends with each
 * action on each row, given the probabilities the actions were drawn from (after epsilon mixing) and the
 * governance cap that runs afterwards (governance/choose.ts).
 *
 * Why not the drawn-from probabilities: a row whose retire/rewrite is pushed over the cap ends as keep or
 * compress (the best of the two), so the logged action's probability is
 *   P(final = a) = P(draw a) · P(not capped | draw a)                          for a ∈ {rewrite, retire}
 *   P(final = a) = P(draw a) + [a is the row's fallback] · P(draw a change that is capped)   for keep, compress
 * P(capped | draw a with probability q) is the chance that at least `cap` other rows draw a change ranked above
 * it (a larger drawn probability; ties go to the earlier row): a Poisson-binomial tail, computed exactly by
 * dynamic programming up to EXACT_ROWS rows and with a normal approximation (continuity-corrected) beyond.
 */
import { ACTION_INDEX, NUM_ACTIONS } from "../actions.js";
import { applyMask, argmaxRow } from "../curators/types.js";
import { changeCap } from "../governance/choose.js";
import type { Governance } from "../schemas/world.js";

/** Libraries up to this size get the exact tail (O(rows² · cap) per pass); larger ones the normal approximation. */
export const EXACT_ROWS = 300;

const CHANGES = [ACTION_INDEX.rewrite, ACTION_INDEX.retire];
const STAYS = [ACTION_INDEX.keep, ACTION_INDEX.compress];

/** P(at least k of independent Bernoulli(h_j), j ≠ skip, succeed). */
function tailAtLeast(h: Float64Array, skip: number, k: number, exact: boolean): number {
  if (k <= 0) return 1;
  if (!exact) {
    let mean = 0;
    let variance = 0;
    for (let j = 0; j < h.length; j++) {
      if (j === skip) continue;
      mean += h[j];
      variance += h[j] * (1 - h[j]);
    }
    if (variance < 1e-12) return mean >= k - 1e-9 ? 1 : 0;
    return 1 - normalCdf((k - 0.5 - mean) / Math.sqrt(variance));
  }
  // dist[m] = P(exactly m successes) for m < k; the rest is the tail.
  const dist = new Float64Array(k);
  dist[0] = 1;
  for (let j = 0; j < h.length; j++) {
    const p = h[j];
    if (j === skip || p <= 0) continue;
    for (let m = k - 1; m >= 1; m--) dist[m] = dist[m] * (1 - p) + dist[m - 1] * p;
    dist[0] *= 1 - p;
  }
  let below = 0;
  for (let m = 0; m < k; m++) below += dist[m];
  return Math.min(1, Math.max(0, 1 - below));
}

function normalCdf(z: number): number {
  // Abramowitz & Stegun 7.1.26 on erf: |error| < 1.5e-7, ample for a propensity.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** The action chooseWithCap gives a capped row: the best of keep / compress among the allowed ones. */
function fallbackAction(probs: Float32Array, masks: Float32Array, r: number): number {
  const row = probs.slice(r * NUM_ACTIONS, r * NUM_ACTIONS + NUM_ACTIONS);
  const mask = masks.slice(r * NUM_ACTIONS, r * NUM_ACTIONS + NUM_ACTIONS);
  mask[2] = 0;
  mask[3] = 0;
  applyMask(row, mask, 1);
  return argmaxRow(row, 0);
}

/**
 * rows × 4 marginal probabilities of the final action per row. `probs` are what the actions were drawn from
 * (masked, epsilon-mixed, before the cap); `masks` the governance masks before the cap. With `sampled` false
 * the pass takes each row's argmax, so the result is the one-hot of chooseWithCap's choice.
 */
export function capMarginals(
  probs: Float32Array,
  masks: Float32Array,
  rows: number,
  rules: Governance,
  sampled = true,
): Float64Array {
  const out = new Float64Array(rows * NUM_ACTIONS);
  const cap = changeCap(rows, rules);
  if (!sampled) {
    const drawn = new Int32Array(rows);
    for (let r = 0; r < rows; r++) drawn[r] = argmaxRow(probs, r);
    const ranked: number[] = [];
    for (let r = 0; r < rows; r++) if (drawn[r] >= 2) ranked.push(r);
    ranked.sort((x, y) => probs[y * NUM_ACTIONS + drawn[y]] - probs[x * NUM_ACTIONS + drawn[x]] || x - y);
    for (const r of ranked.slice(cap)) drawn[r] = fallbackAction(probs, masks, r);
    for (let r = 0; r < rows; r++) out[r * NUM_ACTIONS + drawn[r]] = 1;
    return out;
  }
  const exact = rows <= EXACT_ROWS;
  const h = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (const a of STAYS) out[r * NUM_ACTIONS + a] += probs[r * NUM_ACTIONS + a];
    let cappedMass = 0;
    for (const a of CHANGES) {
      const q = probs[r * NUM_ACTIONS + a];
      if (q <= 0) continue;
      for (let j = 0; j < rows; j++) {
        let s = 0;
        for (const c of CHANGES) {
          const pj = probs[j * NUM_ACTIONS + c];
          if (pj > q || (pj === q && j < r)) s += pj;
        }
        h[j] = s;
      }
      const pCapped = tailAtLeast(h, r, cap, exact);
      out[r * NUM_ACTIONS + a] += q * (1 - pCapped);
      cappedMass += q * pCapped;
    }
    if (cappedMass > 0) out[r * NUM_ACTIONS + fallbackAction(probs, masks, r)] += cappedMass;
  }
  return out;
}
