/**
 * `curator collect`: runs simulated executors over seeded task streams with a behaviour curator (mixed with
 * epsilon-uniform exploration) and writes a trace dataset: manifest.json + decisions/part-*.parquet + tasks/part-*.parquet.
 * When --executors names endpoint profiles, real models run real tasks instead (endpoint-collect.ts).
 *
 * Crash safety: each finished stream is saved (atomically) in `OUT.partial/`; `--resume` reuses them, so a
 * killed run continues to the same bytes. The dataset folder itself appears only when everything is done.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { resolveWorldSource } from "../world/presets.js";
import { streamExecutors } from "../world/sampler.js";
import { CuratorError } from "../errors.js";
import { resolveExecutors } from "../executors/presets.js";
import { runStream, type StreamSpec } from "../world/stream.js";
import { resolveCurator } from "../curators/resolve.js";
import { DECISION_COLUMNS, GROUP_COLUMNS, TASK_COLUMNS } from "../schemas/dataset.js";
import { writeFileAtomic, prepareOutput } from "../util/atomic.js";
import { DATASET_OUTPUT } from "../data/dataset.js";
import { parseWith } from "../util/json-file.js";
import type { ManifestDraft } from "../data/dataset.js";
import { streamSeed } from "../seeds.js";
import { resolveAutoShard } from "../data/shard-env.js";
import { packColumns, decisionRows, emptyColumns, taskRows, type ColumnsOut } from "./rows.js";
import { collectFromEndpoints, usesEndpoints } from "./endpoint-collect.js";
import { pushGroupRows } from "./group-rows.js";
import { simLabeller, rolloutManifest } from "./rollout-labels.js";
import { addSpend, NO_SPEND, type RolloutSpend } from "../labels/plan.js";
import {
  CollectOptionsSchema,
  rolloutSettings,
  shardOf,
  type CollectHooks,
  type CollectOptions,
  type CollectSummary,
} from "./options.js";
import { finishCollection, manifestBase } from "./finish.js";
import { preparePartial } from "../util/scratch.js";

export {
  CollectOptionsSchema,
  type CollectHooks,
  type CollectOptions,
  type CollectSummary,
  type ResolvedCollectOptions,
} from "./options.js";

interface StreamChunk {
  decisions: ColumnsOut;
  tasks: ColumnsOut;
  /** --labels rollout only */
  groups?: ColumnsOut;
  spend?: RolloutSpend;
  successes: number;
  cost: number;
}

export async function collect(input: CollectOptions, hooks: CollectHooks = {}): Promise<CollectSummary> {
  const o = resolveAutoShard(parseWith(CollectOptionsSchema, input, "collect options"), process.env);
  if (o.tasksFrom !== undefined || usesEndpoints(o.executors)) return collectFromEndpoints(o, hooks);
  if (o.rolloutSamples !== undefined && o.rolloutSamples > 1)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--rollout-samples draws several answers per rollout task from an endpoint; the simulator's rollouts already measure each task's expected success exactly. Drop --rollout-samples.",
    );
  if (o.library !== undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--library gives endpoint streams a starting library; simulated streams start from the world's. Drop --library (or pass endpoint executors).",
    );
  if (o.taskOrder !== undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--task-order chooses the tasks of endpoint streams; simulated streams draw their own from the world. Drop --task-order.",
    );
  const source = resolveWorldSource(o.world, o.curationInterval);
  const world = source.base;
  const executors = resolveExecutors(o.executors);
  if (source.sample && executors.length < 2)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--world ${String(o.world)} draws shared libraries for some streams, which need two executors or more: pass at least two in --executors.`,
    );
  const behavior = (await resolveCurator(o.behavior, { simulator: true })).curator;
  const horizon = o.horizon ?? 2 * world.curationInterval;
  const rollout = rolloutSettings(o, horizon);
  const shard = shardOf(o);
  prepareOutput(o.out, DATASET_OUTPUT);

  const streamIds = Array.from({ length: o.streams }, (_, s) => o.firstStream + s).filter(
    (s) => s % shard.count === shard.index,
  );
  const specs: StreamSpec[] = streamIds.map((s) => {
    const w = source.forStream(s);
    return {
      streamId: s,
      seed: streamSeed(o.seed, s, "collect"),
      world: w,
      executors: streamExecutors(source, w, executors, s),
      tasks: o.tasks,
    };
  });

  const partial = `${resolve(o.out)}.partial`;
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ o: { ...o, resume: false, unsafeNoSandbox: undefined }, world, executors }))
    .digest("hex");
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
      const labeller = rollout && simLabeller(rollout, spec);
      const run = await runStream(spec, behavior, {
        mode: "sample",
        epsilon: o.epsilon,
        labels: o.labels === "oracle",
        horizon,
        labeller,
      });
      chunk = {
        decisions: emptyColumns(DECISION_COLUMNS),
        tasks: emptyColumns(TASK_COLUMNS),
        successes: run.tasks.filter((t) => t.success).length,
        cost: run.tasks.reduce((s, t) => s + t.cost, 0),
      };
      decisionRows(run, horizon, chunk.decisions);
      taskRows(run, chunk.tasks);
      if (rollout) {
        chunk.groups = emptyColumns(GROUP_COLUMNS);
        chunk.spend = NO_SPEND;
        for (const p of run.passes) {
          if (p.spend) chunk.spend = addSpend(chunk.spend, p.spend);
          if (p.group)
            pushGroupRows(chunk.groups, {
              streamId: spec.streamId,
              pass: p.pass,
              step: p.step,
              itemIds: p.itemIds.map(String),
              group: p.group,
            });
        }
      }
      writeFileAtomic(file, JSON.stringify(chunk));
    }
    chunks.push(chunk);
    hooks.onProgress?.(k + 1, specs.length, "streams");
  }

  const decisions = packColumns(
    DECISION_COLUMNS,
    chunks.map((c) => c.decisions),
  );
  const tasks = packColumns(
    TASK_COLUMNS,
    chunks.map((c) => c.tasks),
  );
  const manifest: ManifestDraft = {
    ...manifestBase(o, hooks),
    // A sampled world records every stream's draw (all streams of the run, so every shard records the same).
    world: source.record(Array.from({ length: o.streams }, (_, s) => o.firstStream + s)),
    executors: executors as unknown as Record<string, unknown>[],
    labels: o.labels,
    ...(rollout
      ? {
          rollout: rolloutManifest(
            rollout,
            chunks.reduce((s, c) => addSpend(s, c.spend ?? NO_SPEND), NO_SPEND),
          ),
        }
      : {}),
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
  const groups =
    rollout && rollout.groups > 0
      ? {
          groups: packColumns(
            GROUP_COLUMNS,
            chunks.map((c) => c.groups ?? emptyColumns(GROUP_COLUMNS)),
          ),
        }
      : {};
  return finishCollection(
    o,
    partial,
    manifest,
    { decisions, tasks, ...groups },
    outcome,
    { resumedStreams: resumed },
    manifest.rollout?.extraTasks,
  );
}
