/**
 * The estimators, named as Open Bandit Pipeline (IPS, SNIPS, DM, DR) and SCOPE-RL (FQE) name them. The unit is a
 * curation pass: one decision per live item (a slate), and the pass's reward R is the reward per task over the
 * horizon after it. Like OBP's slate estimators for an additive reward (Swaminathan et al. 2017, the
 * pseudo-inverse estimator), the importance weight of a pass is built from its per-row weights,
 *     g = Σ_rows ρ − (rows − 1),   ρ = π_e(a|x) / π_b(a|x)   (π_b: the logged propensity, change cap included)
 * which is unbiased when the items' effects on R add up, where the product of the rows' weights would be exact
 * but useless (thirty rows of weights multiply into a handful of non-zero passes).
 *
 *   IPS    mean(g R)                            unbiased under additivity, high variance
 *   SNIPS  Σ g R / Σ g                          self-normalised: biased, lower variance
 *   DM     mean(ψ^πᵀ w)                         the reward model (linear.ts); biased where the model is
 *   DR     DM + mean(g (R − ψᵀ w))              unbiased when either the propensities or the model are right
 *   FQE    Σ ψ^πᵀ w_R / Σ ψ^πᵀ w_1              Q^π fitted on the stream's next passes (γ), per pass: it also
 *                                               credits the states π's own actions lead to
 * Each is a function of the summed sufficient statistics, so a bootstrap resample costs one sum and three solves.
 */
import { dot, solveQ, type StreamStats } from "./linear.js";

export const ESTIMATORS = ["ips", "snips", "dm", "dr", "fqe"] as const;
export type EstimatorName = (typeof ESTIMATORS)[number];
export type Estimates = Record<EstimatorName, number>;

export interface ModelConfig {
  /** ridge penalty on the standardised item features (not on the intercepts) */
  ridge: number;
  /** FQE discount per pass */
  gamma: number;
}

export function estimate(s: StreamStats, cfg: ModelConfig): Estimates {
  const n = Math.max(s.n, 1e-12);
  const wDm = solveQ(s, s.bR, 0, cfg.ridge);
  const dm = dot(s.v, wDm) / n;
  const ips = s.gR / n;
  let fqe = dm;
  if (cfg.gamma > 0) {
    const wR = solveQ(s, s.bR, cfg.gamma, cfg.ridge);
    const w1 = solveQ(s, s.b1, cfg.gamma, cfg.ridge);
    fqe = dot(s.v, wR) / dot(s.v, w1);
  }
  return {
    ips,
    snips: s.g !== 0 ? s.gR / s.g : Number.NaN,
    dm,
    dr: dm + ips - dot(s.u, wDm) / n,
    fqe,
  };
}
