/**
 * Domain randomization for executors: profiles drawn from one documented distribution (docs/domain-randomization.md)
 * instead of a few hand-made presets. Spec: `sample:COUNT[:train|:holdout][@seed=N]`.
 *
 * The distribution has a training region and a held-out region, disjoint by construction: the held-out region is
 * base skill or context budget (or both) beyond the training range, every other field drawn as in training. A
 * curator trained on `sample:N` and evaluated on `sample:M:holdout` is therefore measured on backbones outside
 * everything it saw. Draw i depends only on (seed, region, i): `sample:16` is the first 16 profiles of `sample:64`.
 */
import type { ExecutorProfile } from "../schemas/executor.js";
import { CuratorError } from "../errors.js";
import { Rng } from "../util/rng.js";
import {
  drawBeyond,
  drawField,
  inRange,
  type FieldDist,
  type HoldoutRange,
  type Region,
} from "../util/distributions.js";

/** The executor distribution: one definition, read by the sampler, the region check and the docs test. */
export const EXECUTOR_DISTRIBUTION = {
  baseSkill: { dist: "uniform", lo: -1.0, hi: 1.0 },
  contextBudget: { dist: "log-uniform", lo: 800, hi: 16000, integer: true },
  distraction: { dist: "uniform", lo: 0.03, hi: 1.5 },
  utilization: { dist: "uniform", lo: 0.5, hi: 2.0 },
  verification: { dist: "uniform", lo: 0.0, hi: 0.9 },
  "authoring.rate": { dist: "uniform", lo: 0.15, hi: 0.75 },
  "authoring.genericRate": { dist: "uniform", lo: 0.05, hi: 0.7 },
  "authoring.meanTokens": { dist: "log-uniform", lo: 150, hi: 800, integer: true },
  "authoring.errorRate": { dist: "uniform", lo: 0.0, hi: 0.35 },
} as const satisfies Record<string, FieldDist>;

/** Held-out region: skill beyond ±1 (to ±1.8) or budget beyond 16k (to 32k); which of the two (or both) is drawn per profile. */
export const EXECUTOR_HOLDOUT = {
  baseSkill: { below: [-1.8, -1.0], above: [1.0, 1.8] },
  contextBudget: { above: [16000, 32000] },
} as const satisfies Record<string, HoldoutRange>;

const REGION_SALT: Record<Region, number> = { train: 0x7ea1, holdout: 0x401d };
const SPEC = /^sample:(\d+)(?::(train|holdout))?(?:@seed=(\d+))?$/;
const SPEC_FORM =
  "sample:COUNT[:train|:holdout][@seed=N], e.g. sample:64, sample:64@seed=3 or sample:16:holdout@seed=5";
export const MAX_SAMPLED_EXECUTORS = 4096;

export interface ExecutorSampleSpec {
  count: number;
  region: Region;
  seed: number;
}

export const isSampleSpec = (spec: string): boolean =>
  spec === "sample" || spec.startsWith("sample:") || spec.startsWith("sample@");

export function parseExecutorSample(spec: string): ExecutorSampleSpec {
  const m = SPEC.exec(spec.trim());
  if (!m)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Cannot read the executor sample spec '${spec}'. Write ${SPEC_FORM} (COUNT draws from the distribution in docs/domain-randomization.md).`,
    );
  const count = Number(m[1]);
  if (count < 1 || count > MAX_SAMPLED_EXECUTORS)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Executor sample spec '${spec}': COUNT must be 1..${MAX_SAMPLED_EXECUTORS}, got ${count}.`,
    );
  return { count, region: (m[2] as Region | undefined) ?? "train", seed: m[3] === undefined ? 1 : Number(m[3]) };
}

/** The canonical spelling (seed and region written out), as recorded next to the draws. */
export const formatExecutorSample = (s: ExecutorSampleSpec): string => `sample:${s.count}:${s.region}@seed=${s.seed}`;

function drawHoldoutField(rng: Rng, field: keyof typeof EXECUTOR_HOLDOUT): number {
  return drawBeyond(rng, EXECUTOR_DISTRIBUTION[field], EXECUTOR_HOLDOUT[field]);
}

/** Profile i of a sample spec. */
export function drawExecutor(seed: number, region: Region, i: number): ExecutorProfile {
  const rng = new Rng([seed, REGION_SALT[region], i]);
  const D = EXECUTOR_DISTRIBUTION;
  const draw = (d: FieldDist) => drawField(rng, d);
  const p: ExecutorProfile = {
    name: `${region === "train" ? "sample" : "holdout"}${seed}-${String(i).padStart(3, "0")}`,
    baseSkill: draw(D.baseSkill),
    contextBudget: draw(D.contextBudget),
    distraction: draw(D.distraction),
    utilization: draw(D.utilization),
    verification: draw(D.verification),
    authoring: {
      rate: draw(D["authoring.rate"]),
      genericRate: draw(D["authoring.genericRate"]),
      meanTokens: draw(D["authoring.meanTokens"]),
      errorRate: draw(D["authoring.errorRate"]),
    },
  };
  if (region === "holdout") {
    // Which field(s) leave the training range: skill, budget or both, one third each.
    const which = rng.int(3);
    if (which !== 1) p.baseSkill = drawHoldoutField(rng, "baseSkill");
    if (which !== 0) p.contextBudget = drawHoldoutField(rng, "contextBudget");
  }
  return p;
}

export function sampleExecutors(spec: string | ExecutorSampleSpec): ExecutorProfile[] {
  const s = typeof spec === "string" ? parseExecutorSample(spec) : spec;
  return Array.from({ length: s.count }, (_, i) => drawExecutor(s.seed, s.region, i));
}

/** True when every field lies in the training range (the held-out region is the complement in skill or budget). */
export function inTrainingRegion(p: ExecutorProfile): boolean {
  const D = EXECUTOR_DISTRIBUTION;
  return inRange(p.baseSkill, D.baseSkill) && inRange(p.contextBudget, D.contextBudget);
}
