/**
 * `curator collect` with real executors: endpoint profiles (OpenAI-compatible servers) run --tasks tasks of a
 * real task stream (--tasks-from; which ones: --task-order, tasks/stream-tasks.ts) through the harness loop, one stream per profile, with a curation
 * pass every `curationInterval` tasks in which the behaviour curator (epsilon-mixed, seeded sampling) acts on
 * the live library: compress / rewrite through the rewriter endpoint, retire by archiving (endpoint-run/).
 * The traces are the same dataset as simulated collection (endpoint-rows.ts says what the hidden-truth columns
 * hold).
 *
 * Order of effects: options, profiles, tasks and the curator are checked and every endpoint is probed BEFORE
 * anything is written, so a wrong URL or model name leaves nothing behind. Then each finished task (and the
 * pass after it) is appended to `OUT.partial/stream-<id>.jsonl` and the harness state is saved atomically in
 * `stream-<id>.state.json` (endpoint-run/stream.ts); `--resume` continues from there without redoing a finished task. The dataset
 * folder appears atomically at the end. API keys are read from the environment only, and every file written
 * is scrubbed of them.
 */
import { resolve } from "node:path";
import { createHash } from "node:crypto";
import { EndpointClient } from "../executors/endpoint/client.js";
import { refuseGreedySamples } from "../endpoint-run/options.js";
import { readEndpointProfile } from "../executors/endpoint/profile.js";
import { resolveCurator } from "../curators/resolve.js";
import { DECISION_COLUMNS, GROUP_COLUMNS, TASK_COLUMNS } from "../schemas/dataset.js";
import { addSpend, NO_SPEND } from "../labels/plan.js";
import { prepareOutput } from "../util/atomic.js";
import { preparePartial } from "../util/scratch.js";
import { DATASET_OUTPUT, type ManifestDraft } from "../data/dataset.js";
import { CuratorError } from "../errors.js";
import { streamSeed } from "../seeds.js";
import type { JournalEntry } from "../endpoint-run/journal.js";
import {
  ENDPOINT_CURATION_INTERVAL,
  HARNESS,
  taskPool,
  keyScrubber,
  loadStream,
  probeAll,
  runEndpointStream,
  specKind,
  splitSpecs,
  type RunContext,
  type StreamPlan,
} from "../endpoint-run/stream.js";
import { emptyColumns } from "./rows.js";
import { endpointDecisionRows, endpointGroupRows, endpointTaskRows } from "./endpoint-rows.js";
import { rolloutManifest } from "./rollout-labels.js";
import {
  rolloutSettings,
  shardOf,
  type CollectHooks,
  type CollectSummary,
  type ResolvedCollectOptions,
} from "./options.js";
import { finishCollection, manifestBase } from "./finish.js";
import { streamTasks } from "../tasks/stream-tasks.js";
import { startingLibrary } from "../endpoint-run/start-library.js";

export { usesEndpoints } from "../endpoint-run/stream.js";

/** A collect stream: one per profile, numbered from --first-stream. */
interface CollectPlan extends StreamPlan {
  /** position of the profile in --executors */
  index: number;
  streamId: number;
}

export async function collectFromEndpoints(
  o: ResolvedCollectOptions,
  hooks: CollectHooks = {},
): Promise<CollectSummary> {
  const { specs, tasksFrom } = checkOptions(o);
  const profiles = specs.map((s) => readEndpointProfile(s));
  refuseGreedySamples("--rollout-samples", o.rolloutSamples, profiles);
  const order = o.taskOrder ?? "original";
  // Blocks are numbered by stream id, so shards of one collection take the blocks a single process would.
  const blocks = o.firstStream + profiles.length;
  const pool = taskPool(tasksFrom, o.tasks, o.unsafeNoSandbox, { order, streams: blocks });
  const behavior = (await resolveCurator(o.behavior)).curator;
  const interval = o.curationInterval ?? ENDPOINT_CURATION_INTERVAL;
  const horizon = o.horizon ?? 2 * interval;
  const rollout = rolloutSettings(o, horizon);
  const { start, governance } = startingLibrary(o.library);
  const librarySha256 =
    o.library !== undefined ? createHash("sha256").update(JSON.stringify(start)).digest("hex") : undefined;
  const shard = shardOf(o);
  const indices = profiles.map((_, k) => k).filter((k) => (o.firstStream + k) % shard.count === shard.index);

  const plans = indices.map((index): CollectPlan => {
    const streamId = o.firstStream + index;
    const seed = streamSeed(o.seed, streamId, "collect");
    const profile = profiles[index];
    const executor = new EndpointClient(profile.endpoint, { seed });
    const rewriter = profile.rewriter ? new EndpointClient(profile.rewriter, { seed }) : executor;
    return {
      key: `stream-${streamId}`,
      label: `stream ${streamId}`,
      index,
      streamId,
      seed,
      profile,
      executor,
      rewriter,
    };
  });
  const scrub = keyScrubber(profiles);
  await probeAll(plans.map((p) => ({ ...p, spec: specs[p.index] })));
  prepareOutput(o.out, DATASET_OUTPUT);

  const partial = `${resolve(o.out)}.partial`;
  const tasksSha256 = createHash("sha256").update(JSON.stringify(pool)).digest("hex");
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify({
        o: { ...o, resume: false, unsafeNoSandbox: undefined },
        profiles,
        tasksSha256,
        ...(librarySha256 ? { librarySha256 } : {}),
        interval,
        horizon,
        governance,
        HARNESS,
      }),
    )
    .digest("hex");
  preparePartial(partial, fingerprint, o.resume);

  const total = plans.length * o.tasks;
  if (order === "original" && plans.length > 1)
    hooks.onWarning?.(
      `${plans.length} streams run the same ${o.tasks} tasks in the same order, so they differ only by sampling and add little data: --task-order disjoint gives each stream its own tasks (shuffled, its own order).`,
    );
  let done = 0;
  const journals: JournalEntry[][] = [];
  let resumedStreams = 0;
  let resumedTasks = 0;
  for (const plan of plans) {
    const stream = loadStream(partial, plan.key, scrub, start);
    if (stream.state.tasksDone > 0) resumedStreams++;
    resumedTasks += stream.state.tasksDone;
    done += stream.state.tasksDone;
    hooks.onProgress?.(done, total, "tasks");
    const ctx: RunContext = {
      sandbox: { unsafeNoSandbox: o.unsafeNoSandbox },
      tasks: streamTasks(pool, o.tasks, order, plan.streamId, plan.seed),
      curator: behavior,
      epsilon: o.epsilon,
      interval,
      governance,
      partial,
      scrub,
      onTask: () => hooks.onProgress?.(++done, total, "tasks"),
      warn: (m) => hooks.onWarning?.(scrub(m)),
      rollout,
    };
    journals.push(await runEndpointStream(plan, stream, ctx));
  }

  const decisions = emptyColumns(DECISION_COLUMNS);
  const taskCols = emptyColumns(TASK_COLUMNS);
  const groupCols = emptyColumns(GROUP_COLUMNS);
  plans.forEach((p, k) => {
    const id = { streamId: p.streamId, seed: p.seed, executor: p.profile.name };
    endpointDecisionRows(id, journals[k], horizon, decisions);
    endpointTaskRows(id, journals[k], taskCols);
    endpointGroupRows(id, journals[k], groupCols);
  });
  const spend = journals.flat().reduce((s, e) => (e.pass?.spend ? addSpend(s, e.pass.spend) : s), NO_SPEND);
  const draft: ManifestDraft = {
    ...manifestBase(o, hooks),
    world: {
      kind: "endpoint",
      tasksFrom,
      tasks: o.tasks,
      ...(order === "original" ? {} : { taskOrder: order, sourceTasks: pool.length }),
      tasksSha256,
      ...(o.library !== undefined
        ? {
            library: o.library,
            librarySha256,
            libraryItems: start.live.length,
          }
        : {}),
      curationInterval: interval,
      governance,
      harness: HARNESS,
    },
    executors: profiles as unknown as Record<string, unknown>[],
    labels: o.labels,
    ...(rollout ? { rollout: rolloutManifest(rollout, spend) } : {}),
    horizon,
    streams: plans.length,
    tasksPerStream: o.tasks,
    streamSeeds: plans.map((p) => p.seed),
  };
  const manifest = JSON.parse(scrub(JSON.stringify(draft))) as ManifestDraft;
  const finished = journals.flat().map((e) => e.task);
  const outcome = {
    streams: plans.length,
    successes: finished.filter((t) => t.success).length,
    cost: finished.reduce((s, t) => s + t.cost, 0),
  };
  const tables = {
    decisions: { columns: decisions, rows: decisions.stream_id.length },
    tasks: { columns: taskCols, rows: taskCols.stream_id.length },
    ...(rollout && rollout.groups > 0 ? { groups: { columns: groupCols, rows: groupCols.stream_id.length } } : {}),
  };
  const resumed = { resumedStreams, resumedTasks };
  return finishCollection(o, partial, manifest, tables, outcome, resumed, rollout ? spend.tasks : undefined);
}

/** Refuses the simulator-only options and mixed executor lists, with what to do instead. */
function checkOptions(o: ResolvedCollectOptions): { specs: string[]; tasksFrom: string } {
  const specs = splitSpecs(o.executors);
  const kinds = specs.map(specKind);
  if (!kinds.includes("endpoint"))
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--tasks-from runs real tasks and needs endpoint executors: pass --executors PROFILE.json, a profile with an "endpoint" block (see docs/real-executors.md). Simulated executors draw their tasks from the world.`,
    );
  const simulated = specs.filter((_, i) => kinds[i] === "simulated");
  if (simulated.length)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--executors mixes endpoint profiles with simulated executors (${simulated.join(", ")}). Collect real and simulated traces in separate runs (shards of one dataset must come from one kind).`,
    );
  if (o.tasksFrom === undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "Endpoint executors run real tasks: add --tasks-from dynamic-cheatsheet:PATH or --tasks-from jsonl:PATH.",
    );
  if (o.behavior === "oracle")
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--behavior oracle reads the simulator's hidden state, which a real endpoint does not have. Use heuristic, random, none, an exported .onnx curator or a model folder.",
    );
  if (o.labels === "oracle")
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--labels oracle needs the simulator's counterfactuals, which real tasks do not have. Use --labels rollout (forked rollouts on the endpoint, for bc / grpo), or drop --labels (train with --algo awr).",
    );
  if (o.world !== "default")
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--world configures the simulator; endpoint runs do not use it. Drop --world (the pass interval is --curation-interval).",
    );
  return { specs, tasksFrom: o.tasksFrom };
}
