import { ExecutorProfileSchema, type ExecutorProfile } from "../schemas/executor.js";
import { CuratorError } from "../errors.js";
import { readJsonFile } from "../util/json-file.js";
import { isSampleSpec, sampleExecutors } from "./sampler.js";

/**
 * Built-in simulated backbones. weak: small budget, easily distracted, writes many generic/verbose/wrong items;
 * strong: large budget, uses detail well, verifies what it reads. `tiny` and `frontier` are extra points for
 * held-out-backbone experiments (never used in the default training set).
 */
export const EXECUTOR_PRESETS = {
  weak: {
    name: "weak",
    baseSkill: -0.6,
    contextBudget: 1500,
    distraction: 0.9,
    utilization: 0.9,
    verification: 0.1,
    authoring: { rate: 0.5, genericRate: 0.45, meanTokens: 420, errorRate: 0.18 },
  },
  mid: {
    name: "mid",
    baseSkill: 0.0,
    contextBudget: 4000,
    distraction: 0.45,
    utilization: 1.1,
    verification: 0.3,
    authoring: { rate: 0.4, genericRate: 0.35, meanTokens: 340, errorRate: 0.1 },
  },
  strong: {
    name: "strong",
    baseSkill: 0.5,
    contextBudget: 8000,
    distraction: 0.15,
    utilization: 1.4,
    verification: 0.6,
    authoring: { rate: 0.3, genericRate: 0.2, meanTokens: 300, errorRate: 0.05 },
  },
  tiny: {
    name: "tiny",
    baseSkill: -1.0,
    contextBudget: 1000,
    distraction: 1.2,
    utilization: 0.7,
    verification: 0.05,
    authoring: { rate: 0.6, genericRate: 0.55, meanTokens: 480, errorRate: 0.25 },
  },
  frontier: {
    name: "frontier",
    baseSkill: 0.9,
    contextBudget: 16000,
    distraction: 0.08,
    utilization: 1.6,
    verification: 0.8,
    authoring: { rate: 0.25, genericRate: 0.15, meanTokens: 260, errorRate: 0.03 },
  },
} as const satisfies Record<string, ExecutorProfile>;

export type ExecutorPresetName = keyof typeof EXECUTOR_PRESETS;

/** A preset name or a path to a JSON profile file (any string ending in .json or containing a slash). */
export function resolveExecutor(spec: string): ExecutorProfile {
  if (spec in EXECUTOR_PRESETS) return structuredClone(EXECUTOR_PRESETS[spec as ExecutorPresetName]) as ExecutorProfile;
  if (spec.endsWith(".json") || spec.includes("/"))
    return readJsonFile(spec, ExecutorProfileSchema, "Executor profile");
  if (isSampleSpec(spec))
    throw new CuratorError(
      "BAD_ARGUMENT",
      `'${spec}' draws several executors; it is accepted by --executors of collect and eval, not where one executor is expected.`,
    );
  throw new CuratorError(
    "UNKNOWN_PRESET",
    `Unknown executor '${spec}'. Use one of the presets ${Object.keys(EXECUTOR_PRESETS).join(", ")}, a path to a JSON profile file (see 'curator schema executor'), or sample:COUNT[:holdout][@seed=N] (docs/domain-randomization.md).`,
  );
}

/** One --executors entry: a preset or profile file (one profile), or a sample spec (its draws, in order). */
export function resolveExecutorEntry(spec: string): ExecutorProfile[] {
  return isSampleSpec(spec.trim()) ? sampleExecutors(spec.trim()) : [resolveExecutor(spec)];
}

export function resolveExecutors(list: string): ExecutorProfile[] {
  const specs = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (specs.length === 0)
    throw new CuratorError("BAD_ARGUMENT", "--executors is empty; name at least one preset or profile file.");
  const profiles = specs.flatMap(resolveExecutorEntry);
  const names = profiles.map((p) => p.name);
  const dup = specs.some(isSampleSpec) ? names.find((n, i) => names.indexOf(n) !== i) : undefined;
  if (dup !== undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--executors names the executor '${dup}' twice (overlapping entries in '${list}'); reports and datasets tell executors apart by name.`,
    );
  return profiles;
}
