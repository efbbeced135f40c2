/** What `collect` takes and returns: the options schema (the CLI flags and experiment files derive from it). */
import { z } from "zod";
import { SHARD_PATTERN } from "../data/shard-env.js";
import { rolloutSamplesField, TaskStreamFields } from "../endpoint-run/options.js";
import { TASK_ORDER_HELP, TaskOrderField } from "../tasks/stream-tasks.js";
import type { RolloutSettings } from "../labels/plan.js";

/** The fields, without the cross-field rule: the experiment file's collect block picks from these. */
export const CollectFieldsSchema = z
  .object({
    world: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .default("default")
      .describe(
        "world preset (default, fast-drift, shared, tiny), JSON file, or sample[:holdout][@seed=N]: one world drawn per stream (docs/domain-randomization.md)",
      ),
    executors: z
      .string()
      .default("weak,mid,strong")
      .describe(
        "comma-separated presets, profile files or sample:COUNT[:holdout][@seed=N] (drawn profiles, docs/domain-randomization.md); profiles with an endpoint block run real models (docs/real-executors.md)",
      ),
    streams: z
      .number()
      .int()
      .positive()
      .default(16)
      .describe("task streams to run (each starts from an empty library)"),
    firstStream: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("index of the first stream; datasets with disjoint stream ranges can be read together as one"),
    tasks: z
      .number()
      .int()
      .positive()
      .default(200)
      .describe("tasks per stream (endpoint runs: one stream per profile)"),
    behavior: z
      .string()
      .default("heuristic")
      .describe("behaviour curator: none, random, heuristic, oracle, a .onnx file or a model folder"),
    epsilon: z.number().min(0).max(1).default(0.3).describe("uniform-random exploration mixed into the behaviour"),
    seed: z.number().int().nonnegative().default(1).describe("seed of the streams (same seed, same dataset bytes)"),
    labels: z
      .enum(["none", "oracle", "rollout"])
      .default("none")
      .describe(
        "oracle: counterfactual values of all four actions per decision from simulator forks (needed by bc and grpo); rollout: the same labels from forked rollouts on any executor, simulated or endpoint (docs/rollout-labels.md)",
      ),
    horizon: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("reward horizon in tasks, K of each rollout (default 2 × curation interval)"),
    rolloutStates: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("--labels rollout: curation passes labelled per stream, drawn at random (default: every pass)"),
    rolloutItems: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        "--labels rollout: items labelled per labelled pass, drawn at random (default: every item; 0: pass groups only)",
      ),
    rolloutBudget: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("--labels rollout: extra tasks per stream spent on rollouts at most (default: no limit)"),
    rolloutGroups: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        "--labels rollout: G whole curation passes sampled from the behaviour per labelled pass, each rolled forward K tasks (pass-level groups, for --algo grpo-pass; 0: none)",
      ),
    rolloutSamples: rolloutSamplesField(
      "--labels rollout on endpoint executors: answers sampled per rollout task (the API's n, at the profile's temperature); the success measure is the share right, far less noisy than one 0/1 outcome (default 1)",
    ),
    shard: z
      .string()
      .regex(SHARD_PATTERN, "use the form i/n (e.g. 0/4), auto or auto/n")
      .default("0/1")
      .describe(
        "i/n: this process collects streams s with s mod n = i; auto or auto/n: i (and n) from SLURM_ARRAY_TASK_* or JOB_COMPLETION_INDEX, written to OUT/shard-i-of-n",
      ),
    out: z.string().min(1).describe("dataset folder to write"),
    resume: z.boolean().default(false).describe("continue an interrupted run (same options)"),
    tasksFrom: TaskStreamFields.tasksFrom,
    curationInterval: TaskStreamFields.curationInterval,
    unsafeNoSandbox: TaskStreamFields.unsafeNoSandbox,
    library: z
      .string()
      .min(1)
      .optional()
      .describe(
        "endpoint executors: a library file (JSONL, as decide reads it) every stream starts from (its governance rules apply); default empty",
      ),
    taskOrder: TaskOrderField.optional().describe(`${TASK_ORDER_HELP}; default original`),
  })
  .strict();

export const CollectOptionsSchema = CollectFieldsSchema.superRefine((o, ctx) => {
  const rollout = {
    rolloutStates: o.rolloutStates,
    rolloutItems: o.rolloutItems,
    rolloutBudget: o.rolloutBudget,
    rolloutGroups: o.rolloutGroups || undefined,
    rolloutSamples: o.rolloutSamples,
  };
  for (const [k, v] of Object.entries(rollout))
    if (v !== undefined && o.labels !== "rollout")
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `${k} sets how rollout labels are spent: add --labels rollout, or drop it`,
      });
  if (o.rolloutGroups === 1)
    ctx.addIssue({
      code: "custom",
      path: ["rolloutGroups"],
      message: "a group needs at least 2 members to compare: use --rollout-groups 2 or more (or 0 for none)",
    });
  if (o.shard.startsWith("auto")) return;
  const [i, n] = o.shard.split("/").map(Number);
  if (n < 1 || i >= n) ctx.addIssue({ code: "custom", path: ["shard"], message: `shard ${o.shard}: need 0 ≤ i < n` });
});
export type CollectOptions = z.input<typeof CollectOptionsSchema>;
export type ResolvedCollectOptions = z.output<typeof CollectOptionsSchema>;

export interface CollectSummary {
  out: string;
  streams: number;
  decisions: number;
  tasks: number;
  successRate: number;
  costPerCompletedTask: number;
  resumedStreams: number;
  /** endpoint runs: finished tasks taken over from the interrupted run */
  resumedTasks?: number;
  /** --labels rollout: the extra tasks run in forks (also in the manifest) */
  rolloutTasks?: number;
}

export interface CollectHooks {
  command?: string;
  /** `unit` names what is counted: "streams" (simulated) or "tasks" (endpoint runs) */
  onProgress?: (done: number, total: number, unit?: string) => void;
  /** things a user should know that do not stop the run (endpoint runs: a reply refused for its size) */
  onWarning?: (message: string) => void;
}

/** The rollout settings of --labels rollout (undefined otherwise). */
export function rolloutSettings(o: ResolvedCollectOptions, horizon: number): RolloutSettings | undefined {
  if (o.labels !== "rollout") return undefined;
  return {
    horizon,
    states: o.rolloutStates,
    items: o.rolloutItems,
    budget: o.rolloutBudget,
    groups: o.rolloutGroups,
    ...(o.rolloutSamples !== undefined ? { samples: o.rolloutSamples } : {}),
  };
}

/** --shard i/n as numbers. */
export function shardOf(o: ResolvedCollectOptions): { index: number; count: number } {
  const [index, count] = o.shard.split("/").map(Number);
  return { index, count };
}
