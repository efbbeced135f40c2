/** Small statistics used by evaluation: means, percentile bootstrap CIs and a paired sign-flip test. */
import { maxOf, minOf } from "../util/arrays.js";
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
export function bootstrapCI(
  units: number,
  stat: (idx: Int32Array) => number,
  seed: number,
  resamples = 2000,
): [number, number] {
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

/** Quality of a yes/no flag against a label; null labels are left out and counted. */
export interface FlagScore {
  labelled: number;
  unknown: number;
  positives: number;
  baseRate: number | null;
  flagged: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
}

export function flagScore(labels: readonly (boolean | null)[], flags: readonly boolean[]): FlagScore {
  let labelled = 0,
    positives = 0,
    flagged = 0,
    tp = 0;
  labels.forEach((l, i) => {
    if (l === null) return;
    labelled++;
    if (l) positives++;
    if (flags[i]) flagged++;
    if (l && flags[i]) tp++;
  });
  return {
    labelled,
    unknown: labels.length - labelled,
    positives,
    baseRate: labelled ? positives / labelled : null,
    flagged,
    truePositives: tp,
    precision: flagged ? tp / flagged : null,
    recall: positives ? tp / positives : null,
  };
}

/** Fewer than this many units in the smaller class: no AUC is reported ("too few"). */
export const MIN_CLASS_FOR_AUC = 10;

export interface AucScore {
  auc: number | null;
  /** 95% stratified percentile bootstrap CI; null with auc */
  ci: [number, number] | null;
  labelled: number;
  positives: number;
  negatives: number;
  /** why auc is null */
  reason?: string;
}

/** ROC AUC (Mann–Whitney, ties count half) over rows with a label; null when either class or the score range is empty. */
export function rocAucRaw(labels: readonly (boolean | null)[], scores: ArrayLike<number>): number | null {
  const rows = labels.flatMap((l, i) => (l === null ? [] : [{ l, s: scores[i] }])).sort((a, b) => a.s - b.s);
  const positives = rows.filter((r) => r.l).length;
  const negatives = rows.length - positives;
  if (!positives || !negatives) return null;
  let rankSum = 0;
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j].s === rows[i].s) j++;
    const mid = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (rows[k].l) rankSum += mid;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC with its class counts and a 95% bootstrap CI (positives and negatives resampled separately, so every
 * resample holds both classes). Null with a reason when a class is empty, the curator gives every unit the same
 * score, or the smaller class holds fewer than `minClass` units (too few for an AUC to mean anything).
 */
export function rocAuc(
  labels: readonly (boolean | null)[],
  scores: readonly number[],
  opts: { seed?: number; resamples?: number; minClass?: number } = {},
): AucScore {
  const pos: number[] = [];
  const neg: number[] = [];
  labels.forEach((l, i) => (l === null ? undefined : (l ? pos : neg).push(scores[i])));
  const base = { labelled: pos.length + neg.length, positives: pos.length, negatives: neg.length, ci: null };
  if (!base.labelled) return { auc: null, ...base, reason: "no labelled item" };
  if (!pos.length || !neg.length)
    return {
      auc: null,
      ...base,
      reason: pos.length ? "every labelled item is positive" : "no labelled item is positive",
    };
  if (minOf([pos, neg].flat()) === maxOf([pos, neg].flat()))
    return { auc: null, ...base, reason: "the curator gives every item the same probability" };
  const minClass = opts.minClass ?? MIN_CLASS_FOR_AUC;
  if (Math.min(pos.length, neg.length) < minClass)
    return {
      auc: null,
      ...base,
      reason: `too few: ${Math.min(pos.length, neg.length)} in the smaller class (< ${minClass})`,
    };
  const auc = rocAucRaw([...pos.map(() => true), ...neg.map(() => false)], [...pos, ...neg]);
  const rng = new Rng([opts.seed ?? 0, 0xa0c]);
  const resamples = opts.resamples ?? 1000;
  const vals = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const p = pos.map(() => pos[rng.int(pos.length)]);
    const n = neg.map(() => neg[rng.int(neg.length)]);
    vals[b] = rocAucRaw([...p.map(() => true), ...n.map(() => false)], [...p, ...n])!;
  }
  vals.sort();
  return {
    auc,
    ...base,
    ci: [vals[Math.floor(0.025 * resamples)], vals[Math.min(resamples - 1, Math.floor(0.975 * resamples))]],
  };
}

/**
 * McNemar's exact test on paired yes/no outcomes: b = pairs only the first got right, c = only the second.
 * Two-sided p = min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, ½).
 */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  let tail = 0;
  let term = Math.pow(0.5, n); // C(n, 0) / 2^n
  for (let k = 0; k <= Math.min(b, c); k++) {
    tail += term;
    term *= (n - k) / (k + 1);
  }
  return Math.min(1, 2 * tail);
}
