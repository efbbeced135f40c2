/**
 * Validation of the estimators on the simulator, where the truth is measurable: for each world, one behaviour
 * dataset (the behaviour curator with epsilon exploration), and for each target curator an on-policy dataset
 * (that curator as behaviour, epsilon 0, the same world, executors and stream seeds). The true value is the
 * on-policy mean per-decision reward — the curator on the states its own decisions lead to — which the
 * off-policy estimates, made on the behaviour's states, are compared with.
 *
 * Relative error = (estimate − truth) / |truth|; coverage = the truth lies inside the estimate's 95% CI.
 * Targets are baselines (their on-policy run samples as evaluation does: argmax, or drawn when stochastic).
 */
import { maxOf } from "../util/arrays.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { collect } from "../collect/collect.js";
import { loadLogged } from "../ope/logged.js";
import { parseWith } from "../util/json-file.js";
import { ESTIMATORS, type EstimatorName } from "../ope/estimators.js";
import { multiplicities, offPolicyEvaluate, percentileCI, type Estimate } from "../ope/ope.js";

export const ValidateOptionsSchema = z
  .object({
    worlds: z.array(z.string().min(1)).min(1).default(["default", "fast-drift", "tiny"]),
    curators: z
      .array(z.string().min(1))
      .min(1)
      .default(["none", "heuristic", "random", "ace", "memrl", "sso", "hermes", "mem0"]),
    behavior: z.string().default("heuristic"),
    epsilon: z.number().min(0).max(1).default(0.3),
    executors: z.string().default("weak,mid,strong"),
    streams: z.number().int().positive().default(24),
    tasks: z.number().int().positive().default(200),
    seed: z.number().int().nonnegative().default(1),
    bootstrap: z.number().int().min(0).default(200),
    gamma: z.number().min(0).max(0.99).optional(),
    ridge: z.number().nonnegative().optional(),
    costWeight: z.number().nonnegative().default(10),
  })
  .strict();
export type ValidateOptions = z.input<typeof ValidateOptionsSchema>;

export interface PairResult {
  world: string;
  curator: string;
  truth: Estimate;
  /** the behaviour's logged value: the gap truth − behaviour is what an estimator has to get right */
  behavior: number;
  estimates: Record<
    EstimatorName,
    Estimate & { relativeError: number; gapError: number; signRight: boolean; covered: boolean | null }
  >;
  matchShare: number;
  effectiveShare: number;
}

export interface ValidationResults {
  kind: "ope-validation";
  options: z.output<typeof ValidateOptionsSchema>;
  pairs: PairResult[];
  /** per estimator: share of pairs within ±20%, median |relative error|, CI coverage */
  summary: Record<
    EstimatorName,
    { within20: number; medianAbsRelError: number; medianAbsGapError: number; signRight: number; coverage: number }
  >;
  /** the best single estimator's share of pairs within ±20% (one estimator for all pairs, not a per-pair pick) */
  bestWithin20: number;
}

/** The on-policy value: the mean reward per task of the passes a curator ran itself, bootstrapped over streams. */
async function onPolicyValue(dir: string, costWeight: number, bootstrap: number, seed: number): Promise<Estimate> {
  const d = await loadLogged(dir, { costWeight });
  const ids = [...new Set(d.streamId)];
  const of = new Map(ids.map((s, i) => [s, i]));
  const mean = (m: ArrayLike<number>) => {
    let s = 0;
    let n = 0;
    d.passes.forEach(([start], t) => {
      const w = m[of.get(d.streamId[start])!];
      s += w * d.passReward[t];
      n += w;
    });
    return s / n;
  };
  return {
    value: mean(new Float64Array(ids.length).fill(1)),
    ci: percentileCI(multiplicities(ids.length, bootstrap, seed).map(mean)),
  };
}

export async function validateOpe(
  input: ValidateOptions,
  log: (line: string) => void = () => {},
): Promise<ValidationResults> {
  const o = parseWith(ValidateOptionsSchema, input, "ope validation options");
  const root = mkdtempSync(join(tmpdir(), "curator-ope-"));
  const pairs: PairResult[] = [];
  const base = { executors: o.executors, streams: o.streams, tasks: o.tasks, seed: o.seed };
  try {
    for (const world of o.worlds) {
      const logged = join(root, `${world}-behavior`);
      await collect({ ...base, world, behavior: o.behavior, epsilon: o.epsilon, out: logged });
      const ope = await offPolicyEvaluate({
        data: logged,
        curators: o.curators,
        costWeight: o.costWeight,
        bootstrap: o.bootstrap,
        seed: o.seed,
        gamma: o.gamma,
        ridge: o.ridge,
      });
      for (const c of ope.curators) {
        const onPolicy = join(root, `${world}-${c.curator}`);
        await collect({ ...base, world, behavior: c.curator, epsilon: 0, out: onPolicy });
        const truth = await onPolicyValue(onPolicy, o.costWeight, o.bootstrap, o.seed);
        rmSync(onPolicy, { recursive: true, force: true });
        const estimates = Object.fromEntries(
          ESTIMATORS.map((e) => {
            const est = c.estimates[e];
            const covered = est.ci ? est.ci[0] <= truth.value && truth.value <= est.ci[1] : null;
            const gap = truth.value - ope.logged.value;
            return [
              e,
              {
                ...est,
                relativeError: (est.value - truth.value) / Math.abs(truth.value),
                gapError: (est.value - truth.value) / Math.abs(gap),
                signRight: Math.sign(est.value - ope.logged.value) === Math.sign(gap),
                covered,
              },
            ];
          }),
        ) as PairResult["estimates"];
        pairs.push({
          world,
          curator: c.curator,
          truth,
          behavior: ope.logged.value,
          estimates,
          matchShare: c.diagnostics.matchShare,
          effectiveShare: c.diagnostics.effectiveShare,
        });
        log(
          `${world} ${c.curator}: truth ${truth.value.toFixed(4)} (behaviour ${ope.logged.value.toFixed(4)}) | ` +
            ESTIMATORS.map(
              (e) =>
                `${e} ${estimates[e].value.toFixed(4)} (${(100 * estimates[e].relativeError).toFixed(0)}%${estimates[e].covered ? "" : ", missed"})`,
            ).join(" "),
        );
      }
      rmSync(logged, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { kind: "ope-validation", options: o, pairs, ...summarize(pairs) };
}

function summarize(pairs: PairResult[]): Pick<ValidationResults, "summary" | "bestWithin20"> {
  const summary = Object.fromEntries(
    ESTIMATORS.map((e) => {
      const errs = pairs.map((p) => Math.abs(p.estimates[e].relativeError)).sort((a, b) => a - b);
      const gaps = pairs.map((p) => Math.abs(p.estimates[e].gapError)).sort((a, b) => a - b);
      const withCI = pairs.filter((p) => p.estimates[e].covered !== null);
      return [
        e,
        {
          within20: pairs.filter((p) => Math.abs(p.estimates[e].relativeError) <= 0.2).length / pairs.length,
          medianAbsRelError: errs[Math.floor(errs.length / 2)],
          medianAbsGapError: gaps[Math.floor(gaps.length / 2)],
          signRight: pairs.filter((p) => p.estimates[e].signRight).length / pairs.length,
          coverage: withCI.length ? withCI.filter((p) => p.estimates[e].covered).length / withCI.length : Number.NaN,
        },
      ];
    }),
  ) as ValidationResults["summary"];
  return { summary, bestWithin20: maxOf(ESTIMATORS.map((e) => summary[e].within20)) };
}
