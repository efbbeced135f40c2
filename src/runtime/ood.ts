/**
 * Out-of-distribution check: how far a library's raw features lie from the normalisation the model was
 * trained with (the `norm_mean` / `norm_std` in its graph). A model's output far outside its training data is
 * an extrapolation; `decide` names the features and the distance so a user can judge the decisions.
 */
import { FEATURE_NAMES, NUM_FEATURES } from "../features/featurizer.js";

/** A library mean this many training standard deviations from the training mean is reported. */
export const OOD_THRESHOLD_STD = 3;

export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

export interface OodFeature {
  feature: string;
  /** Mean of the library's raw values. */
  libraryMean: number;
  trainMean: number;
  trainStd: number;
  /** (libraryMean - trainMean) / trainStd. */
  std: number;
  /** Share of items whose own value lies more than OOD_THRESHOLD_STD std from the training mean. */
  shareBeyond: number;
}

/** Features whose library mean lies ≥ OOD_THRESHOLD_STD training std from the training mean, farthest first. */
export function outOfDistribution(features: Float32Array, rows: number, norm: Normalization): OodFeature[] {
  const F = NUM_FEATURES;
  if (rows === 0 || norm.mean.length !== F || norm.std.length !== F) return [];
  const sum = new Float64Array(F);
  const beyond = new Int32Array(F);
  const lo = new Float64Array(F);
  const hi = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    lo[f] = norm.mean[f] - OOD_THRESHOLD_STD * norm.std[f];
    hi[f] = norm.mean[f] + OOD_THRESHOLD_STD * norm.std[f];
  }
  // One pass in row order (the buffer's layout).
  for (let r = 0, k = 0; r < rows; r++)
    for (let f = 0; f < F; f++, k++) {
      const x = features[k];
      sum[f] += x;
      if (x < lo[f] || x > hi[f]) beyond[f]++;
    }
  const out: OodFeature[] = [];
  for (let f = 0; f < F; f++) {
    const m = norm.mean[f];
    const s = norm.std[f];
    if (!(s > 0)) continue;
    const libraryMean = sum[f] / rows;
    const z = (libraryMean - m) / s;
    if (Math.abs(z) >= OOD_THRESHOLD_STD)
      out.push({
        feature: FEATURE_NAMES[f],
        libraryMean,
        trainMean: m,
        trainStd: s,
        std: z,
        shareBeyond: beyond[f] / rows,
      });
  }
  return out.sort((a, b) => Math.abs(b.std) - Math.abs(a.std));
}

/** One line for the review: "item_age_log 5.2 std above training (library mean 6.10, training 1.20 ± 0.94; 88% of items beyond 3 std)". */
export function describeOod(o: OodFeature): string {
  const dir = o.std > 0 ? "above" : "below";
  return `${o.feature} ${Math.abs(o.std).toFixed(1)} std ${dir} training (library mean ${fmt(o.libraryMean)}, training ${fmt(o.trainMean)} ± ${fmt(o.trainStd)}; ${Math.round(100 * o.shareBeyond)}% of items beyond ${OOD_THRESHOLD_STD} std)`;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}
