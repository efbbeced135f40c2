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
  if (rows === 0 || norm.mean.length !== NUM_FEATURES || norm.std.length !== NUM_FEATURES) return [];
  const out: OodFeature[] = [];
  for (let f = 0; f < NUM_FEATURES; f++) {
    const m = norm.mean[f];
    const s = norm.std[f];
    if (!(s > 0)) continue;
    let sum = 0;
    let beyond = 0;
    for (let r = 0; r < rows; r++) {
      const x = features[r * NUM_FEATURES + f];
      sum += x;
      if (Math.abs(x - m) / s > OOD_THRESHOLD_STD) beyond++;
    }
    const libraryMean = sum / rows;
    const z = (libraryMean - m) / s;
    if (Math.abs(z) >= OOD_THRESHOLD_STD)
      out.push({ feature: FEATURE_NAMES[f], libraryMean, trainMean: m, trainStd: s, std: z, shareBeyond: beyond / rows });
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
