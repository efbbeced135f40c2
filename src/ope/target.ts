/**
 * A target curator's action probabilities on the logged decisions, as it would act there: it scores each logged
 * pass (the same rows, features and allowed actions), picks by argmax (or samples, when stochastic) with epsilon
 * 0, and the change cap runs on its choices. The result is per row the probability of each final action.
 */
import { NUM_ACTIONS } from "../actions.js";
import { NUM_FEATURES } from "../features/featurizer.js";
import type { Curator } from "../curators/types.js";
import { capMarginals } from "../governance/propensity.js";
import { executorFromFeatures, itemFromFeatures } from "./observations.js";
import type { LoggedData } from "./logged.js";

export async function targetProbs(curator: Curator, d: LoggedData): Promise<Float64Array> {
  const out = new Float64Array(d.rows * NUM_ACTIONS);
  for (const [start, end] of d.passes) {
    const rows = end - start;
    const features = d.features.slice(start * NUM_FEATURES, end * NUM_FEATURES);
    const masks = d.masks.slice(start * NUM_ACTIONS, end * NUM_ACTIONS);
    const items = Array.from({ length: rows }, (_, r) => itemFromFeatures(features, r));
    const probs = Float32Array.from(
      await curator.probs({ rows, features, masks, items, executor: executorFromFeatures(features, 0) }),
    );
    out.set(capMarginals(probs, masks, rows, d.governance, curator.stochastic === true), start * NUM_ACTIONS);
  }
  return out;
}
