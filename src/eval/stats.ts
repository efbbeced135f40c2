/** Small statistics used by evaluation: means, percentile bootstrap CIs and a paired sign-flip test. */
import { Rng } from "../util/rng.js";

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/**
 * 95% percentile bootstrap CI of a statistic over independent units (evaluation streams). `stat` receives
 * the resampled unit indices.
 */
export function bootstrapCI(units: number, stat: (idx: Int32Array) => number, seed: number, resamples = 2000): [number, number] {
  if (units < 2) {
    const all = Int32Array.from({ length: units }, (_, i) => i);
    const v = stat(all);
    return [v, v];
  }
  const rng = new Rng([seed, 0xb007]);
  const vals = new Float64Array(resamples);
  const idx = new Int32Array(units);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < units; i++) idx[i] = rng.int(units);
    vals[b] = stat(idx);
  }
  vals.sort();
  return [vals[Math.floor(0.025 * resamples)], vals[Math.min(resamples - 1, Math.floor(0.975 * resamples))]];
}

/** Two-sided paired sign-flip permutation test on per-unit differences; returns the p-value. */
export function pairedSignFlipP(diffs: ArrayLike<number>, seed: number, resamples = 10000): number {
  const n = diffs.length;
  if (n === 0) return 1;
  const observed = Math.abs(mean(diffs));
  if (observed === 0) return 1;
  const rng = new Rng([seed, 0x5f1f]);
  let extreme = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next() < 0.5 ? -diffs[i] : diffs[i];
    if (Math.abs(s / n) >= observed - 1e-12) extreme++;
  }
  return (extreme + 1) / (resamples + 1);
}
