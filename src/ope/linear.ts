/**
 * The linear models behind the model-based estimators, kept as per-stream sufficient statistics so that a
 * bootstrap resample (streams drawn with replacement) only sums them.
 *
 * A pass's reward is modelled as additive over its items: per item and action a block φ(x, a) of
 * [1, standardised x] (one linear model per action), summed over the pass's rows, plus a constant:
 * ψ = Σ_rows φ(x, a_logged) ⊕ 1 and, for a policy π, ψ^π = Σ_rows Σ_a π(a|x) φ(x, a) ⊕ 1. With
 * G = Σ_t ψ_t ψ_tᵀ and C = Σ_t ψ_t ψ^π_{t+1}ᵀ (the stream's next pass; a stream's last pass adds nothing):
 *   reward model (direct method, DR):  (G + λI) w = Σ ψ_t R_t
 *   FQE at its fixed point (LSTDQ):    (G − γC + λI) w = Σ ψ_t R_t
 * Linear FQE iterated to convergence reaches exactly this solution, so it is solved directly.
 */
import { NUM_ACTIONS } from "../actions.js";
import { NUM_FEATURES } from "../features/featurizer.js";

export const DIM = NUM_FEATURES + 1;
export const K = NUM_ACTIONS * DIM + 1;

/** Design rows [1, (x − mean) / std], rows × DIM. */
export function design(features: Float32Array, rows: number): Float64Array {
  const F = NUM_FEATURES;
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  for (let r = 0; r < rows; r++) for (let f = 0; f < F; f++) mean[f] += features[r * F + f] / rows;
  for (let r = 0; r < rows; r++)
    for (let f = 0; f < F; f++) {
      const v = features[r * F + f] - mean[f];
      sq[f] += (v * v) / rows;
    }
  const out = new Float64Array(rows * DIM);
  for (let r = 0; r < rows; r++) {
    out[r * DIM] = 1;
    for (let f = 0; f < F; f++) {
      const sd = Math.sqrt(sq[f]);
      out[r * DIM + 1 + f] = sd > 1e-9 ? (features[r * F + f] - mean[f]) / sd : 0;
    }
  }
  return out;
}

/** Sufficient statistics of one stream (or, summed with weights, of a resample); a unit is one curation pass. */
export interface StreamStats {
  n: number;
  /** Σ g R, Σ g, with g the pass's slate weight (see estimators.ts) */
  gR: number;
  g: number;
  /** K × K: G = Σ ψ ψᵀ and C = Σ ψ ψ^π(next)ᵀ */
  G: Float64Array;
  C: Float64Array;
  /** K: Σ ψ R, Σ ψ, Σ ψ^π, Σ g ψ */
  bR: Float64Array;
  b1: Float64Array;
  v: Float64Array;
  u: Float64Array;
}

export function emptyStats(): StreamStats {
  return {
    n: 0,
    gR: 0,
    g: 0,
    G: new Float64Array(K * K),
    C: new Float64Array(K * K),
    bR: new Float64Array(K),
    b1: new Float64Array(K),
    v: new Float64Array(K),
    u: new Float64Array(K),
  };
}

/** Per unit (pass): ψ of the logged actions, ψ^π of the target, reward, slate weight and the next unit (or -1). */
export interface StatInput {
  psi: Float64Array;
  psiPi: Float64Array;
  reward: Float64Array;
  g: Float64Array;
  next: Int32Array;
}

/** Adds unit t to `s`. */
export function addUnit(s: StreamStats, d: StatInput, t: number): void {
  const o = t * K;
  const R = d.reward[t];
  const g = d.g[t];
  s.n += 1;
  s.gR += g * R;
  s.g += g;
  const nx = d.next[t];
  for (let i = 0; i < K; i++) {
    const pi = d.psi[o + i];
    s.bR[i] += pi * R;
    s.b1[i] += pi;
    s.v[i] += d.psiPi[o + i];
    s.u[i] += g * pi;
    if (pi === 0) continue;
    for (let j = 0; j < K; j++) s.G[i * K + j] += pi * d.psi[o + j];
    if (nx >= 0) for (let j = 0; j < K; j++) s.C[i * K + j] += pi * d.psiPi[nx * K + j];
  }
}

/**
 * ψ of a pass: the sum over its rows of the per-action blocks φ(x, a) weighted by `probs` (one-hot of the logged
 * action for ψ, the target's probabilities for ψ^π), plus a constant 1 in the last entry.
 */
export function passFeatures(
  phi: Float64Array,
  probs: ArrayLike<number>,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
): void {
  for (let r = start; r < end; r++)
    for (let a = 0; a < NUM_ACTIONS; a++) {
      const p = probs[r * NUM_ACTIONS + a];
      if (p === 0) continue;
      for (let i = 0; i < DIM; i++) out[at + a * DIM + i] += p * phi[r * DIM + i];
    }
  out[at + K - 1] = 1;
}

/** Σ_g m_g · stats_g. */
export function sumStats(groups: readonly StreamStats[], m: ArrayLike<number>): StreamStats {
  const s = emptyStats();
  groups.forEach((g, k) => {
    const w = m[k];
    if (w === 0) return;
    s.n += w * g.n;
    s.gR += w * g.gR;
    s.g += w * g.g;
    for (const key of ["G", "C", "bR", "b1", "v", "u"] as const) {
      const dst = s[key];
      const src = g[key];
      for (let i = 0; i < dst.length; i++) dst[i] += w * src[i];
    }
  });
  return s;
}

/** Solves (G − γC + λI) w = b (λ spares the intercepts; a tiny jitter keeps untaken actions solvable: they predict 0). */
export function solveQ(s: StreamStats, b: Float64Array, gamma: number, ridge: number): Float64Array {
  const A = new Float64Array(K * K);
  for (let i = 0; i < K * K; i++) A[i] = s.G[i] - gamma * s.C[i];
  for (let i = 0; i < K; i++) A[i * K + i] += i % DIM === 0 || i === K - 1 ? 1e-9 : ridge;
  return solve(A, Float64Array.from(b));
}

/** Gaussian elimination with partial pivoting, in place; returns x with A x = b. */
function solve(A: Float64Array, b: Float64Array): Float64Array {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j], A[c * n + j]];
      [b[c], b[p]] = [b[p], b[c]];
    }
    const piv = A[c * n + c];
    if (Math.abs(piv) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c] / piv;
      if (f === 0) continue;
      for (let j = c; j < n; j++) A[r * n + j] -= f * A[c * n + j];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= A[i * n + j] * x[j];
    const piv = A[i * n + i];
    x[i] = Math.abs(piv) < 1e-300 ? 0 : s / piv;
  }
  return x;
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
