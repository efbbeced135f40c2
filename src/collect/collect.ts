/**
 * `curator collect`: runs simulated executors over seeded task streams with a behaviour curator (mixed with
 * epsilon-uniform exploration) and writes a trace dataset: manifest.json + decisions/part-*.parquet + tasks/part-*.parquet.
 * When --executors names endpoint profiles, real models run real tasks instead (endpoint-collect.ts).
 *
 * Crash safety: each finished stream is saved (atomically) in `OUT.partial/`; `--resume` reuses them, so a
 * killed run continues to the same bytes. The dataset folder itself appears only when everything is done.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { z } from "zod";
import { resolveWorld } from "../world/presets.js";
import { resolveExecutors } from "../executors/presets.js";
import { runStream, type StreamSpec } from "../world/stream.js";
import { resolveCurator } from "../curators/resolve.js";
import { DECISION_COLUMNS, TASK_COLUMNS, DATASET_SCHEMA_VERSION } from "../schemas/dataset.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { TOOLKIT_VERSION } from "../version.js";
import { writeFileAtomic, assertWritableOutput } from "../util/atomic.js";
import { CuratorError } from "../errors.js";
import { parseWith } from "../util/json-file.js";
import { writeDataset, type ManifestDraft, type TableInput, type TableName } from "../data/dataset.js";
import { resolveAutoShard, SHARD_PATTERN } from "../data/shard-env.js";
import { streamSeed } from "./seeds.js";
import { concatColumns, decisionRows, emptyColumns, taskRows, type ColumnsOut } from "./rows.js";
import { collectFromEndpoints, usesEndpoints } from "./endpoint-collect.js";

export const CollectOptionsSchema = z
  .object({
    world: z.union([z.string(), z.record(z.string(), z.unknown())]).default("default").describe("world preset name or JSON file"),
    executors: z.string().default("weak,mid,strong").describe("comma-separated presets or profile files"),
    streams: z.number().int().positive().default(16),
    firstStream: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("index of the first stream; datasets with disjoint stream ranges can be read together as one"),
    tasks: z.number().int().positive().default(200).describe("tasks per stream"),
    behavior: z.string().default("heuristic").describe("behaviour curator: none, random, heuristic, oracle or a .onnx"),
    epsilon: z.number().min(0).max(1).default(0.3).describe("share of uniform-random exploration mixed in"),
    seed: z.number().int().nonnegative().default(1),
    labels: z.enum(["none", "oracle"]).default("none").describe("oracle: store counterfactual values of all actions"),
    horizon: z.number().int().positive().optional().describe("reward horizon in tasks (default 2 × curation interval)"),
    shard: z
      .string()
      .regex(SHARD_PATTERN, "use the form i/n (e.g. 0/4), auto or auto/n")
      .default("0/1")
      .describe("i/n: collect only streams s with s mod n = i; auto[/n]: i (and n) from Slurm or Kubernetes, into OUT/shard-i-of-n"),
    out: z.string().min(1),
    resume: z.boolean().default(false),
    tasksFrom: z
      .string()
      .optional()
      .describe("endpoint executors: real tasks, dynamic-cheatsheet:PATH or jsonl:PATH (the first --tasks, in order)"),
    curationInterval: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("a curation pass every this many tasks (default: the world's; endpoint runs: 5)"),
  })
  .strict()
  .superRefine((o, ctx) => {
    const [i, n] = o.shard.split("/").map(Number);
    if (o.shard.startsWith("auto")) return;
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
}

export interface CollectHooks {
  command?: string;
  /** `unit` names what is counted: "streams" (simulated) or "tasks" (endpoint runs) */
  onProgress?: (done: number, total: number, unit?: string) => void;
}

interface StreamChunk {
  decisions: ColumnsOut;
  tasks: ColumnsOut;
  successes: number;
  cost: number;
}

export async function collect(input: CollectOptions, hooks: CollectHooks = {}): Promise<CollectSummary> {
  const o = resolveAutoShard(parseWith(CollectOptionsSchema, input, "collect options"), process.env);
  if (o.tasksFrom !== undefined || usesEndpoints(o.executors)) return collectFromEndpoints(o, hooks);
  const world = resolveWorld(o.world);
  if (o.curationInterval !== undefined) world.curationInterval = o.curationInterval;
  const executors = resolveExecutors(o.executors);
  const behavior = await resolveCurator(o.behavior);
  const horizon = o.horizon ?? 2 * world.curationInterval;
  const shard = shardOf(o);
  assertWritableOutput(o.out);

  const streamIds = Array.from({ length: o.streams }, (_, s) => o.firstStream + s).filter((s) => s % shard.count === shard.index);
  const specs: StreamSpec[] = streamIds.map((s) => ({
    streamId: s,
    seed: streamSeed(o.seed, s, "collect"),
    world,
    executors: world.sharedLibrary ? executors : [executors[s % executors.length]],
    tasks: o.tasks,
  }));

  const partial = `${resolve(o.out)}.partial`;
  const fingerprint = createHash("sha256").update(JSON.stringify({ o: { ...o, resume: false }, world, executors })).digest("hex");
  preparePartial(partial, fingerprint, o.resume);

  const chunks: StreamChunk[] = [];
  let resumed = 0;
  for (const [k, spec] of specs.entries()) {
    const file = join(partial, `stream-${spec.streamId}.json`);
    let chunk: StreamChunk;
    if (existsSync(file)) {
      chunk = JSON.parse(readFileSync(file, "utf8"));
      resumed++;
    } else {
      const run = await runStream(spec, behavior, { mode: "sample", epsilon: o.epsilon, labels: o.labels === "oracle", horizon });
      chunk = {
        decisions: emptyColumns(DECISION_COLUMNS),
        tasks: emptyColumns(TASK_COLUMNS),
        successes: run.tasks.filter((t) => t.success).length,
        cost: run.tasks.reduce((s, t) => s + t.cost, 0),
      };
      decisionRows(run, horizon, chunk.decisions);
      taskRows(run, chunk.tasks);
      writeFileAtomic(file, JSON.stringify(chunk));
    }
    chunks.push(chunk);
    hooks.onProgress?.(k + 1, specs.length, "streams");
  }

  const decisions = concatColumns(DECISION_COLUMNS, chunks.map((c) => c.decisions));
  const tasks = concatColumns(TASK_COLUMNS, chunks.map((c) => c.tasks));
  const manifest: ManifestDraft = {
    ...manifestBase(o, hooks),
    world: world as unknown as Record<string, unknown>,
    executors: executors as unknown as Record<string, unknown>[],
    labels: o.labels,
    horizon,
    streams: specs.length,
    tasksPerStream: o.tasks,
    streamSeeds: specs.map((s) => s.seed),
  };
  const outcome = {
    streams: specs.length,
    successes: chunks.reduce((s, c) => s + c.successes, 0),
    cost: chunks.reduce((s, c) => s + c.cost, 0),
  };
  return finishCollection(o, partial, manifest, { decisions, tasks }, outcome, { resumedStreams: resumed });
}

/** --shard i/n as numbers. */
export function shardOf(o: ResolvedCollectOptions): { index: number; count: number } {
  const [index, count] = o.shard.split("/").map(Number);
  return { index, count };
}

/** The manifest fields both collectors fill the same way (writeDatasetFiles puts all fields in schema order). */
export function manifestBase(o: ResolvedCollectOptions, hooks: CollectHooks) {
  return {
    datasetSchemaVersion: DATASET_SCHEMA_VERSION,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    toolkitVersion: TOOLKIT_VERSION,
    command: hooks.command ?? "collect (programmatic)",
    behavior: { curator: o.behavior, epsilon: o.epsilon },
    seed: o.seed,
    shard: shardOf(o),
  };
}

/**
 * The end of both collectors: writes the dataset folder (atomically), removes `OUT.partial/` and sums up the
 * run from its task outcomes.
 */
export async function finishCollection(
  o: ResolvedCollectOptions,
  partial: string,
  manifest: ManifestDraft,
  tables: Record<TableName, TableInput>,
  outcome: { streams: number; successes: number; cost: number },
  resumed: Pick<CollectSummary, "resumedStreams" | "resumedTasks">,
): Promise<CollectSummary> {
  await writeDataset(o.out, manifest, tables);
  rmSync(partial, { recursive: true, force: true });
  const { successes, cost } = outcome;
  const nTasks = tables.tasks.rows;
  return {
    out: o.out,
    streams: outcome.streams,
    decisions: tables.decisions.rows,
    tasks: nTasks,
    successRate: nTasks ? successes / nTasks : 0,
    costPerCompletedTask: successes ? cost / successes : Infinity,
    ...resumed,
  };
}

/** Makes `OUT.partial/` for a run with this fingerprint: kept for --resume (same options only), else fresh. */
export function preparePartial(dir: string, fingerprint: string, resume: boolean): void {
  const fp = join(dir, "options.sha256");
  if (existsSync(dir)) {
    if (!resume) rmSync(dir, { recursive: true, force: true });
    else if (!existsSync(fp) || readFileSync(fp, "utf8") !== fingerprint)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Cannot --resume: the unfinished run in '${dir}' was started with different options. Re-run with the same options, or without --resume to start over.`,
      );
    else return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(fp, fingerprint);
}
