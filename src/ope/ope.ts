/**
 * `curator ope`: off-policy evaluation of curators on a logged trace dataset — what each curator's decisions
 * would be worth on the library states the behaviour curator logged, without running it.
 *
 * The estimand (one number per curator): the value per task of a curation pass,
 *     V(π) = mean over logged passes of E[reward per task over the horizon after the pass | π decides it]
 * with the reward of reward.ts (successes − λ × cost, USD, curation calls included) over the dataset's horizon
 * (the K tasks after the pass), divided by K: the units of an evaluation's success rate − λ × cost per task. π
 * is the curator as it acts in evaluation: argmax (sampled when stochastic), epsilon 0, the change cap applied.
 * IPS, SNIPS, DM and DR estimate this on the library states the behaviour logged (one pass decided by π, the
 * rest as logged); FQE (γ > 0) also follows the stream's next passes, so it sees part of the states π's own
 * decisions lead to (γ = 0 makes it the direct method). Estimators and their assumptions: estimators.ts.
 *
 * Uncertainty: percentile bootstrap over streams (decisions of a stream are correlated), the same resamples for
 * every curator and estimator, seeded: same seed, same bytes.
 */
import { NUM_ACTIONS } from "../actions.js";
import { z } from "zod";
import { resolveCurator } from "../curators/resolve.js";
import { RewardConfigSchema } from "../reward.js";
import { parseWith } from "../util/json-file.js";
import { Rng } from "../util/rng.js";
import { TOOLKIT_VERSION } from "../version.js";
import { loadLogged, type LoggedData } from "./logged.js";
import { targetProbs } from "./target.js";
import { addUnit, design, emptyStats, K, passFeatures, sumStats, type StatInput, type StreamStats } from "./linear.js";
import { ESTIMATORS, estimate, type EstimatorName, type ModelConfig } from "./estimators.js";

export const OpeOptionsSchema = z
  .object({
    data: z.string().min(1).describe("trace dataset folder (from 'curator collect', propensities logged)"),
    curators: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "curators to evaluate: baseline names (not oracle: it needs the simulator), .onnx files or model folders",
      ),
    costWeight: RewardConfigSchema.shape.costWeight,
    bootstrap: z
      .number()
      .int()
      .min(0)
      .max(100000)
      .default(200)
      .describe("bootstrap resamples of the streams (0: no CIs)"),
    seed: z.number().int().nonnegative().default(1).describe("seed of the bootstrap resamples"),
    gamma: z
      .number()
      .min(0)
      .max(0.99)
      .default(0.5)
      .describe("FQE discount per curation pass (0: FQE is the direct method)"),
    ridge: z
      .number()
      .nonnegative()
      .default(1)
      .describe("ridge penalty of the reward model and FQE on standardised features"),
  })
  .strict();
export type OpeOptions = z.input<typeof OpeOptionsSchema>;

export interface Estimate {
  value: number;
  /** 95% percentile bootstrap CI over streams; null without resamples */
  ci: [number, number] | null;
}

export interface CuratorOpe {
  curator: string;
  estimates: Record<EstimatorName, Estimate>;
  diagnostics: {
    /** share of logged decisions where the curator would (in expectation) take the logged action */
    matchShare: number;
    /** Kish effective sample size of the importance weights, and its share of the decisions */
    effectiveSampleSize: number;
    effectiveShare: number;
    maxWeight: number;
    meanWeight: number;
  };
}

export interface OpeResults {
  kind: "ope";
  toolkitVersion: string;
  estimand: string;
  dataset: {
    path: string;
    hash: string;
    behavior: { curator: string; epsilon: number };
    decisions: number;
    streams: number;
    passes: number;
  };
  options: z.output<typeof OpeOptionsSchema>;
  /** the behaviour's own value: the plain mean of the logged passes' rewards */
  logged: Estimate;
  curators: CuratorOpe[];
}

export const ESTIMAND =
  "value per task of a curation pass: (successes − λ × cost in USD, curation calls included) over the horizon after the pass, divided by its tasks, with the curator deciding the pass";

export async function offPolicyEvaluate(
  input: OpeOptions,
  hooks: { onProgress?: (done: number, total: number, label?: string) => void } = {},
): Promise<OpeResults> {
  const o = parseWith(OpeOptionsSchema, input, "ope options");
  // Resolve every spec before the (slow) dataset work, so a wrong name fails at once.
  const curators = [];
  for (const spec of o.curators)
    curators.push((await resolveCurator(spec, { reward: { costWeight: o.costWeight } })).curator);
  const d = await loadLogged(o.data, { costWeight: o.costWeight });
  const phi = design(d.features, d.rows);
  const streams = streamIndex(d);
  const resamples = multiplicities(streams.count, o.bootstrap, o.seed);
  const model: ModelConfig = { ridge: o.ridge, gamma: o.gamma };

  const out: CuratorOpe[] = [];
  for (const [k, curator] of curators.entries()) {
    const target = await targetProbs(curator, d);
    await curator.dispose?.();
    const rho = new Float64Array(d.rows);
    for (let r = 0; r < d.rows; r++) rho[r] = target[r * NUM_ACTIONS + d.action[r]] / d.propensity[r];
    const units = unitInput(d, phi, target, rho);
    const groups: StreamStats[] = Array.from({ length: streams.count }, emptyStats);
    d.passes.forEach(([start], t) => addUnit(groups[streams.of[start]], units, t));
    const point = estimate(sumStats(groups, new Float64Array(streams.count).fill(1)), model);
    const boot = resamples.map((m) => estimate(sumStats(groups, m), model));
    const estimates = Object.fromEntries(
      ESTIMATORS.map((e) => [e, { value: point[e], ci: percentileCI(boot.map((b) => b[e])) }]),
    ) as Record<EstimatorName, Estimate>;
    out.push({ curator: o.curators[k], estimates, diagnostics: diagnostics(d, target, rho) });
    hooks.onProgress?.(k + 1, curators.length, "curators");
  }
  const loggedMean = (m: ArrayLike<number>) => {
    let s = 0;
    let n = 0;
    d.passes.forEach(([start], t) => {
      s += m[streams.of[start]] * d.passReward[t];
      n += m[streams.of[start]];
    });
    return s / n;
  };
  return {
    kind: "ope",
    toolkitVersion: TOOLKIT_VERSION,
    estimand: ESTIMAND,
    dataset: {
      path: o.data,
      hash: d.hash,
      behavior: d.behavior,
      decisions: d.rows,
      streams: streams.count,
      passes: d.passes.length,
    },
    options: o,
    logged: { value: loggedMean(new Float64Array(streams.count).fill(1)), ci: percentileCI(resamples.map(loggedMean)) },
    curators: out,
  };
}

/** Per pass: ψ of the logged actions, ψ^π of the target, the reward, the slate weight and the next pass. */
function unitInput(d: LoggedData, phi: Float64Array, target: Float64Array, rho: Float64Array): StatInput {
  const n = d.passes.length;
  const logged = new Float64Array(d.rows * NUM_ACTIONS);
  for (let r = 0; r < d.rows; r++) logged[r * NUM_ACTIONS + d.action[r]] = 1;
  const psi = new Float64Array(n * K);
  const psiPi = new Float64Array(n * K);
  const g = new Float64Array(n);
  d.passes.forEach(([start, end], t) => {
    passFeatures(phi, logged, start, end, psi, t * K);
    passFeatures(phi, target, start, end, psiPi, t * K);
    let s = 1;
    for (let r = start; r < end; r++) s += rho[r] - 1;
    g[t] = s;
  });
  return { psi, psiPi, reward: d.passReward, g, next: d.passNext };
}

function streamIndex(d: LoggedData): { of: Int32Array; count: number } {
  const ids = new Map<number, number>();
  const of = new Int32Array(d.rows);
  for (let r = 0; r < d.rows; r++) {
    let g = ids.get(d.streamId[r]);
    if (g === undefined) ids.set(d.streamId[r], (g = ids.size));
    of[r] = g;
  }
  return { of, count: ids.size };
}

/** Per resample, how often each stream was drawn (streams with replacement). */
export function multiplicities(streams: number, resamples: number, seed: number): Float64Array[] {
  if (streams < 2) return [];
  const rng = new Rng([seed, 0x0be]);
  return Array.from({ length: resamples }, () => {
    const m = new Float64Array(streams);
    for (let i = 0; i < streams; i++) m[rng.int(streams)]++;
    return m;
  });
}

export function percentileCI(values: number[]): [number, number] | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return [v[Math.floor(0.025 * v.length)], v[Math.min(v.length - 1, Math.floor(0.975 * v.length))]];
}

function diagnostics(d: LoggedData, target: Float64Array, rho: Float64Array): CuratorOpe["diagnostics"] {
  let match = 0;
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (let r = 0; r < d.rows; r++) {
    match += target[r * NUM_ACTIONS + d.action[r]];
    s += rho[r];
    s2 += rho[r] * rho[r];
    max = Math.max(max, rho[r]);
  }
  const ess = s2 > 0 ? (s * s) / s2 : 0;
  return {
    matchShare: match / d.rows,
    effectiveSampleSize: ess,
    effectiveShare: ess / d.rows,
    maxWeight: max,
    meanWeight: s / d.rows,
  };
}
