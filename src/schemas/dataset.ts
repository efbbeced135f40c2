import { z } from "zod";
import { FEATURE_NAMES } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";

/** Bump when a table gains, loses or changes a column. Readers refuse other versions by name. */
export const DATASET_SCHEMA_VERSION = 2;
/** 1: flat decisions.parquet/tasks.parquet; 2: one folder per table (decisions/part-*.parquet). Both load. */
export const READABLE_DATASET_SCHEMA_VERSIONS = [1, 2] as const;

export type ColumnType = "INT32" | "INT64" | "FLOAT" | "DOUBLE" | "STRING" | "BOOLEAN";
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /**
   * Added to a released schema version: files written before lack the column and still load without it (the
   * reader leaves it out of the columns; a command that needs it refuses with the column's name).
   */
  optional?: boolean;
  doc: string;
}

export const featureColumn = (name: string) => `f_${name}`;

/**
 * decisions.parquet: one row per (curation pass, live item). The feature vector is stored as one FLOAT column
 * per feature (f_<name>, in FEATURE_NAMES order) so any Parquet reader or SQL can use it directly.
 */
export const DECISION_COLUMNS: ColumnSpec[] = [
  { name: "stream_id", type: "INT32", doc: "stream index within the dataset (global across shards)" },
  { name: "stream_seed", type: "INT64", doc: "seed that generated the stream" },
  { name: "executor", type: "STRING", doc: "name of the executor the library serves next" },
  { name: "step", type: "INT32", doc: "task index at which the pass ran" },
  { name: "pass", type: "INT32", doc: "curation pass index within the stream" },
  { name: "item_id", type: "STRING", doc: "item id" },
  ...FEATURE_NAMES.map((n): ColumnSpec => ({ name: featureColumn(n), type: "FLOAT", doc: `feature ${n}` })),
  ...ACTIONS.map((a): ColumnSpec => ({ name: `mask_${a}`, type: "BOOLEAN", doc: `whether ${a} was allowed` })),
  { name: "action", type: "INT32", doc: "behaviour action index (keep, compress, rewrite, retire)" },
  ...ACTIONS.map((a): ColumnSpec => ({
    name: `behavior_p_${a}`,
    type: "DOUBLE",
    doc: `behaviour probability of ${a}`,
  })),
  { name: "horizon_tasks", type: "INT32", doc: "tasks in the reward horizon after the pass (K, fewer at stream end)" },
  { name: "horizon_successes", type: "INT32", doc: "stream successes in the horizon" },
  { name: "horizon_cost", type: "DOUBLE", doc: "stream cost (USD) in the horizon, including curation calls" },
  { name: "item_hits", type: "INT32", doc: "horizon tasks that had this item in context" },
  { name: "item_successes", type: "INT32", doc: "of those, successes" },
  { name: "item_token_cost", type: "DOUBLE", doc: "USD of this item's prompt tokens over the horizon" },
  { name: "action_cost", type: "DOUBLE", doc: "USD of the curation call this action made (compress / rewrite)" },
  { name: "exec_success_rate", type: "DOUBLE", doc: "executor running success rate at the pass" },
  ...ACTIONS.map((a): ColumnSpec => ({
    name: `cf_success_${a}`,
    type: "DOUBLE",
    nullable: true,
    doc: `counterfactual successes over the horizon had the item been given ${a} (labels=oracle: expected; labels=rollout: the executor's success measure, null where the state was not labelled)`,
  })),
  ...ACTIONS.map((a): ColumnSpec => ({
    name: `cf_cost_${a}`,
    type: "DOUBLE",
    nullable: true,
    doc: `counterfactual cost (USD) over the horizon had the item been given ${a} (labels=oracle or rollout)`,
  })),
  {
    name: "propensity",
    type: "DOUBLE",
    optional: true,
    doc: "behaviour probability of the logged action, epsilon mix and change cap included (for off-policy evaluation)",
  },
  ...ACTIONS.map((a): ColumnSpec => ({
    name: `propensity_${a}`,
    type: "DOUBLE",
    optional: true,
    doc: `behaviour probability that the pass ended with ${a} on this row, change cap included (0 when not allowed)`,
  })),
];

/**
 * tasks.parquet: one row per task. Hidden-truth columns (family, p_success, stale_hit, …) are for analysis, never
 * features; real tasks (endpoint executors) have no hidden truth and hold the "real:" values named in their docs.
 */
export const TASK_COLUMNS: ColumnSpec[] = [
  { name: "stream_id", type: "INT32", doc: "stream index" },
  { name: "stream_seed", type: "INT64", doc: "seed that generated the stream" },
  { name: "executor", type: "STRING", doc: "executor that ran the task" },
  { name: "step", type: "INT32", doc: "task index within the stream" },
  { name: "family", type: "INT32", doc: "task family (hidden truth; real: -1)" },
  { name: "success", type: "BOOLEAN", doc: "task outcome" },
  {
    name: "p_success",
    type: "DOUBLE",
    doc: "model success probability (hidden truth; real: NaN, the outcome is `success`)",
  },
  { name: "items_in_context", type: "INT32", doc: "items retrieved within the budget" },
  { name: "prompt_tokens", type: "INT64", doc: "prompt tokens, uncached" },
  { name: "cached_tokens", type: "INT64", doc: "prompt tokens priced as cache reads" },
  { name: "output_tokens", type: "INT64", doc: "output tokens (answer plus any authored item)" },
  { name: "curation_tokens", type: "INT64", doc: "tokens spent by curation calls charged to this task" },
  { name: "cost", type: "DOUBLE", doc: "USD for the task including curation calls charged to it" },
  { name: "stale_hit", type: "BOOLEAN", doc: "retrieved an item written for an old procedure version (real: false)" },
  { name: "contamination_follow", type: "BOOLEAN", doc: "followed a wrong item (real: false)" },
  { name: "drift_hit", type: "BOOLEAN", doc: "retrieved an item serving a faded family (real: false)" },
  { name: "library_size", type: "INT32", doc: "live items after the task" },
  { name: "library_tokens", type: "INT64", doc: "live item tokens after the task" },
  { name: "generic_share", type: "DOUBLE", doc: "share of live items that are generic (hidden truth; real: 0)" },
  { name: "authored", type: "BOOLEAN", doc: "the executor wrote an item after this task" },
];

/**
 * groups/part-*.parquet (only in datasets collected with --labels rollout --rollout-groups G): pass-level
 * groups. One row per (labelled pass, group member, item): the member is a whole curation pass sampled from the
 * behaviour on the same state as the decision rows of (stream_id, pass), rolled forward the same K tasks from
 * the same snapshot. The item's features, masks and behaviour probabilities are those of the decision row with
 * the same (stream_id, pass, item_id); the member's return repeats on each of its rows.
 */
export const GROUP_COLUMNS: ColumnSpec[] = [
  { name: "stream_id", type: "INT32", doc: "stream index (joins decisions)" },
  { name: "pass", type: "INT32", doc: "curation pass index within the stream (joins decisions)" },
  { name: "step", type: "INT32", doc: "task index at which the pass ran" },
  { name: "member", type: "INT32", doc: "group member index, 0..G-1" },
  { name: "group_size", type: "INT32", doc: "G: members in this pass's group" },
  { name: "item_id", type: "STRING", doc: "item id (joins decisions)" },
  { name: "action", type: "INT32", doc: "the member's action for this item (keep, compress, rewrite, retire)" },
  { name: "return_tasks", type: "INT32", doc: "tasks the member's rollout ran (K, fewer at a real stream's end)" },
  {
    name: "return_successes",
    type: "DOUBLE",
    doc: "the member's successes over those tasks (simulator: expected; endpoint: observed)",
  },
  {
    name: "return_cost",
    type: "DOUBLE",
    doc: "the member's cost (USD) over those tasks, including its curation calls",
  },
];

/** What --labels rollout spent and how (manifest field `rollout`). */
export const RolloutManifestSchema = z
  .object({
    horizon: z.number().int().positive(),
    states: z.number().int().positive().nullable().describe("labelled passes per stream asked for (null: every pass)"),
    items: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe("labelled items per labelled pass asked for (null: every item)"),
    budget: z.number().int().positive().nullable().describe("extra tasks per stream at most (null: no limit)"),
    groups: z.number().int().nonnegative(),
    samples: z
      .number()
      .int()
      .min(2)
      .optional()
      .describe("answers sampled per rollout task (collect --rollout-samples; absent: one)"),
    extraTasks: z.number().int().nonnegative().describe("tasks run in forks, over all streams of this shard"),
    labelledStates: z.number().int().nonnegative(),
    labelledDecisions: z.number().int().nonnegative(),
    groupMembers: z.number().int().nonnegative(),
  })
  .strict();

export const ManifestSchema = z
  .object({
    datasetSchemaVersion: z.number().int(),
    featurizerVersion: z.string(),
    featureNames: z.array(z.string()),
    actionNames: z.array(z.string()),
    toolkitVersion: z.string(),
    command: z.string(),
    world: z.record(z.string(), z.unknown()),
    executors: z.array(z.record(z.string(), z.unknown())),
    behavior: z.object({ curator: z.string(), epsilon: z.number() }).strict(),
    labels: z.enum(["none", "oracle", "rollout"]),
    rollout: RolloutManifestSchema.optional(),
    horizon: z.number().int().positive(),
    seed: z.number().int(),
    streams: z.number().int().nonnegative(),
    tasksPerStream: z.number().int().nonnegative(),
    shard: z.object({ index: z.number().int(), count: z.number().int() }).strict(),
    streamSeeds: z.array(z.number().int()),
    rows: z
      .object({
        decisions: z.number().int().nonnegative(),
        tasks: z.number().int().nonnegative(),
        groups: z.number().int().nonnegative().optional(),
      })
      .strict(),
    files: z.record(z.string(), z.object({ rows: z.number().int(), sha256: z.string() }).strict()),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;
