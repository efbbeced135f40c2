/**
 * `curator collect` with real executors: endpoint profiles (OpenAI-compatible servers) run the first --tasks
 * tasks of a real task stream (--tasks-from) through the harness loop, one stream per profile, with a curation
 * pass every `curationInterval` tasks in which the behaviour curator (epsilon-mixed, seeded sampling) acts on
 * the live library: compress / rewrite through the rewriter endpoint, retire by archiving (endpoint-pass.ts).
 * The traces are the same dataset as simulated collection (endpoint-rows.ts says what the hidden-truth columns
 * hold).
 *
 * Order of effects: options, profiles, tasks and the curator are checked and every endpoint is probed BEFORE
 * anything is written, so a wrong URL or model name leaves nothing behind. Then each finished task (and the
 * pass after it) is appended to `OUT.partial/stream-<id>.jsonl` and the harness state is saved atomically in
 * `stream-<id>.state.json`; `--resume` continues from there without redoing a finished task. The dataset
 * folder appears atomically at the end. API keys are read from the environment only, and every file written
 * is scrubbed of them.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { EXECUTOR_PRESETS } from "../executors/presets.js";
import { EndpointClient } from "../executors/endpoint/client.js";
import { requireIsolation } from "../tasks/isolation.js";
import type { SandboxOptions } from "../tasks/sandbox.js";
import { EndpointHarness, type HarnessConfig, type HarnessState } from "../executors/endpoint/harness.js";
import {
  DEFAULT_PRICES,
  isEndpointProfileJson,
  readEndpointProfile,
  rewriterBlock,
  type EndpointBlock,
  type EndpointProfile,
} from "../executors/endpoint/profile.js";
import { redact } from "../executors/endpoint/retry.js";
import { loadTasks } from "../tasks/load.js";
import type { Task } from "../tasks/task.js";
import { resolveCurator } from "../curators/resolve.js";
import type { Curator } from "../curators/types.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import { EXEC_STAT_PRIOR, recordExecutorTask } from "../features/executor-stats.js";
import type { Governance } from "../schemas/world.js";
import { DECISION_COLUMNS, TASK_COLUMNS } from "../schemas/dataset.js";
import { countTokens } from "../text/tokens.js";
import { prepareOutput, writeFileAtomic } from "../util/atomic.js";
import { DATASET_OUTPUT, type ManifestDraft } from "../data/dataset.js";
import { CuratorError, isCuratorError } from "../errors.js";
import { streamSeed } from "../seeds.js";
import { emptyColumns } from "./rows.js";
import { endpointDecisionRows, endpointTaskRows, taskRecord, type JournalEntry } from "./endpoint-rows.js";
import { curationPass, recordUses, type UseLog } from "./endpoint-pass.js";
import { RECENT_TASKS } from "../features/content.js";
import { shardOf, type CollectHooks, type CollectSummary, type ResolvedCollectOptions } from "./options.js";
import { finishCollection, manifestBase, preparePartial } from "./finish.js";

/** Default pass interval of endpoint runs: real streams are short (AIME: 30 tasks), and a pass needs tasks after it. */
export const ENDPOINT_CURATION_INTERVAL = 5;

/** The harness settings every endpoint run uses; recorded in the manifest. */
const HARNESS = { retrievalK: 8, recentWindow: 6, authoring: true, revealOutcome: false, maxItemTokens: 300 } as const;


type SpecKind = "endpoint" | "simulated" | "unreadable";

function specKind(spec: string): SpecKind {
  if (spec in EXECUTOR_PRESETS) return "simulated";
  if (!existsSync(spec)) return "unreadable";
  try {
    return isEndpointProfileJson(JSON.parse(readFileSync(spec, "utf8"))) ? "endpoint" : "simulated";
  } catch {
    return "unreadable";
  }
}

const splitSpecs = (list: string) => list.split(",").map((s) => s.trim()).filter(Boolean);

/** True when any --executors entry is a profile file with an `endpoint` block. */
export function usesEndpoints(executors: string): boolean {
  return splitSpecs(executors).some((s) => specKind(s) === "endpoint");
}

interface StreamPlan {
  /** position of the profile in --executors */
  index: number;
  streamId: number;
  seed: number;
  profile: EndpointProfile;
  executor: EndpointClient;
  rewriter: EndpointClient;
}

interface StreamState {
  tasksDone: number;
  passes: number;
  harness: HarnessState;
  exec: { successRate: number; budgetUse: number };
  /** curation spend not yet charged to a task (charged to the next one) */
  pending: { cost: number; tokens: number };
  uses: UseLog;
}

interface RunContext {
  tasks: Task[];
  behavior: Curator;
  epsilon: number;
  interval: number;
  governance: Governance;
  partial: string;
  scrub: (text: string) => string;
  onTask: () => void;
  /** code tasks: --unsafe-no-sandbox */
  sandbox: SandboxOptions;
  warn: (message: string) => void;
}

export async function collectFromEndpoints(o: ResolvedCollectOptions, hooks: CollectHooks = {}): Promise<CollectSummary> {
  const { specs, tasksFrom } = checkOptions(o);
  const profiles = specs.map((s) => readEndpointProfile(s));
  const all = loadTasks(tasksFrom);
  if (all.length < o.tasks)
    throw new CuratorError("BAD_ARGUMENT", `--tasks ${o.tasks} asks for more tasks than '${tasksFrom}' holds (${all.length}). Pass --tasks ${all.length} or fewer.`);
  const tasks = all.slice(0, o.tasks);
  if (tasks.some((t) => t.kind === "code")) requireIsolation(o.unsafeNoSandbox);
  const behavior = (await resolveCurator(o.behavior)).curator;
  const interval = o.curationInterval ?? ENDPOINT_CURATION_INTERVAL;
  const horizon = o.horizon ?? 2 * interval;
  const governance = DEFAULT_GOVERNANCE;
  const shard = shardOf(o);
  const indices = profiles.map((_, k) => k).filter((k) => (o.firstStream + k) % shard.count === shard.index);

  const plans = indices.map((index): StreamPlan => {
    const streamId = o.firstStream + index;
    const seed = streamSeed(o.seed, streamId, "collect");
    const profile = profiles[index];
    const executor = new EndpointClient(profile.endpoint, { seed });
    const rewriter = profile.rewriter ? new EndpointClient(profile.rewriter, { seed }) : executor;
    return { index, streamId, seed, profile, executor, rewriter };
  });
  const secrets = profiles.flatMap((p) => [p.endpoint, rewriterBlock(p)]).map(keyOf).filter((k): k is string => !!k);
  const scrub = (text: string) => secrets.reduce((t, k) => redact(t, k), text);
  await probeAll(plans, specs);
  prepareOutput(o.out, DATASET_OUTPUT);

  const partial = `${resolve(o.out)}.partial`;
  const tasksSha256 = createHash("sha256").update(JSON.stringify(tasks)).digest("hex");
  const fingerprint = createHash("sha256")
    .update(JSON.stringify({ o: { ...o, resume: false, unsafeNoSandbox: undefined }, profiles, tasksSha256, interval, horizon, governance, HARNESS }))
    .digest("hex");
  preparePartial(partial, fingerprint, o.resume);

  const total = plans.length * tasks.length;
  let done = 0;
  const journals: JournalEntry[][] = [];
  let resumedStreams = 0;
  let resumedTasks = 0;
  for (const plan of plans) {
    const stream = loadStream(partial, plan, scrub);
    if (stream.state.tasksDone > 0) resumedStreams++;
    resumedTasks += stream.state.tasksDone;
    done += stream.state.tasksDone;
    hooks.onProgress?.(done, total, "tasks");
    const ctx: RunContext = {
      sandbox: { unsafeNoSandbox: o.unsafeNoSandbox },
      tasks, behavior, epsilon: o.epsilon, interval, governance, partial, scrub,
      onTask: () => hooks.onProgress?.(++done, total, "tasks"),
      warn: (m) => hooks.onWarning?.(scrub(m)),
    };
    journals.push(await runEndpointStream(plan, stream, ctx));
  }

  const decisions = emptyColumns(DECISION_COLUMNS);
  const taskCols = emptyColumns(TASK_COLUMNS);
  plans.forEach((p, k) => {
    const id = { streamId: p.streamId, seed: p.seed, executor: p.profile.name };
    endpointDecisionRows(id, journals[k], horizon, decisions);
    endpointTaskRows(id, journals[k], taskCols);
  });
  const draft: ManifestDraft = {
    ...manifestBase(o, hooks),
    world: {
      kind: "endpoint",
      tasksFrom,
      tasks: tasks.length,
      tasksSha256,
      curationInterval: interval,
      governance,
      harness: HARNESS,
    },
    executors: profiles as unknown as Record<string, unknown>[],
    labels: "none",
    horizon,
    streams: plans.length,
    tasksPerStream: tasks.length,
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
  };
  return finishCollection(o, partial, manifest, tables, outcome, { resumedStreams, resumedTasks });
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
    throw new CuratorError("BAD_ARGUMENT", "Endpoint executors run real tasks: add --tasks-from dynamic-cheatsheet:PATH or --tasks-from jsonl:PATH.");
  if (o.behavior === "oracle")
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--behavior oracle reads the simulator's hidden state, which a real endpoint does not have. Use heuristic, random, none, an exported .onnx curator or a model folder.",
    );
  if (o.labels === "oracle")
    throw new CuratorError("BAD_ARGUMENT", "--labels oracle needs the simulator's counterfactuals, which real tasks do not have. Drop --labels (train with --algo awr).");
  if (o.world !== "default")
    throw new CuratorError("BAD_ARGUMENT", "--world configures the simulator; endpoint runs do not use it. Drop --world (the pass interval is --curation-interval).");
  return { specs, tasksFrom: o.tasksFrom };
}

function keyOf(block: EndpointBlock): string | undefined {
  return block.apiKeyEnv ? process.env[block.apiKeyEnv] : undefined;
}

/** Probes every distinct endpoint (executors and rewriters) once; the first failure names its profile. */
async function probeAll(plans: StreamPlan[], specs: string[]): Promise<void> {
  const seen = new Set<EndpointClient>();
  for (const p of plans)
    for (const [client, role] of [[p.executor, "endpoint"], [p.rewriter, "rewriter"]] as const) {
      if (seen.has(client)) continue;
      seen.add(client);
      try {
        await client.probe();
      } catch (e) {
        if (!isCuratorError(e)) throw e;
        throw new CuratorError(e.code, `Profile '${specs[p.index]}' (${role}): ${e.message} Nothing was written.`);
      }
    }
}

function streamFiles(partial: string, streamId: number) {
  return { state: join(partial, `stream-${streamId}.state.json`), journal: join(partial, `stream-${streamId}.jsonl`) };
}

/**
 * The saved progress of a stream, or a fresh start. The journal may hold one line more than the state counts
 * (killed between the two writes) or a torn last line; both are dropped and the task is run again.
 */
function loadStream(partial: string, plan: StreamPlan, scrub: (t: string) => string): { state: StreamState; journal: JournalEntry[] } {
  const files = streamFiles(partial, plan.streamId);
  if (!existsSync(files.state)) {
    rmSync(files.journal, { force: true });
    const state: StreamState = {
      tasksDone: 0, passes: 0, harness: { live: [], archive: [], step: 0 },
      exec: { ...EXEC_STAT_PRIOR }, pending: { cost: 0, tokens: 0 }, uses: {},
    };
    return { state, journal: [] };
  }
  const state = JSON.parse(readFileSync(files.state, "utf8")) as StreamState;
  const lines = existsSync(files.journal) ? readFileSync(files.journal, "utf8").split("\n").slice(0, state.tasksDone) : [];
  const journal: JournalEntry[] = [];
  for (const line of lines) {
    try {
      journal.push(JSON.parse(line) as JournalEntry);
    } catch {
      break;
    }
  }
  if (journal.length < state.tasksDone)
    throw new CuratorError(
      "INVALID_FILE",
      `Cannot --resume: '${files.journal}' holds ${journal.length} finished tasks but the saved state counts ${state.tasksDone}. Re-run without --resume to start over.`,
    );
  writeFileAtomic(files.journal, journal.map((e) => `${scrub(JSON.stringify(e))}\n`).join(""));
  return { state, journal };
}

function harnessConfig(profile: EndpointProfile, ctx: RunContext): HarnessConfig {
  return { executorName: profile.name, contextBudget: profile.contextBudget, prices: profile.prices ?? DEFAULT_PRICES, ...HARNESS, sandbox: ctx.sandbox };
}

async function runEndpointStream(
  plan: StreamPlan,
  saved: { state: StreamState; journal: JournalEntry[] },
  ctx: RunContext,
): Promise<JournalEntry[]> {
  const files = streamFiles(ctx.partial, plan.streamId);
  const { state, journal } = saved;
  const prices = plan.profile.prices ?? DEFAULT_PRICES;
  let harness = new EndpointHarness(plan.executor, harnessConfig(plan.profile, ctx), state.harness);
  for (let t = state.tasksDone; t < ctx.tasks.length; t++) {
    const tokensBefore = new Map(harness.live.map((it) => [it.id, it.tokens ?? countTokens(it.content)]));
    const outcome = await harness.runTask(ctx.tasks[t]).catch((e: unknown) => {
      if (!isCuratorError(e)) throw e;
      throw new CuratorError(
        e.code,
        `${e.message} ${t} finished task(s) of stream ${plan.streamId} are saved in '${ctx.partial}': fix the endpoint and re-run the same command with --resume.`,
      );
    });
    if (outcome.replyRefused)
      ctx.warn(`stream ${plan.streamId}, task ${t + 1} ('${ctx.tasks[t].id}'): counted as failed: ${outcome.replyRefused}`);
    const task = taskRecord(outcome, tokensBefore, state.pending, prices);
    recordUses(state.uses, ctx.tasks[t], outcome.retrievedIds, outcome.success);
    state.pending = { cost: 0, tokens: 0 };
    // The executor's running statistics, folded as the simulated world folds them (one definition).
    recordExecutorTask(state.exec, { success: task.success, contextTokens: outcome.contextTokens }, plan.profile.contextBudget);

    const passDue = (t + 1) % ctx.interval === 0 && t + 1 < ctx.tasks.length && harness.live.length > 0;
    const entry: JournalEntry = { task };
    if (passDue) {
      const { record, library, cost, tokens } = await curationPass({
        harness, profile: plan.profile, rewriter: plan.rewriter, behavior: ctx.behavior, epsilon: ctx.epsilon,
        governance: ctx.governance, seed: plan.seed, pass: state.passes, exec: state.exec, uses: state.uses,
        recentTasks: ctx.tasks.slice(Math.max(0, t + 1 - RECENT_TASKS), t + 1).map((x) => x.prompt),
      });
      harness = new EndpointHarness(plan.executor, harnessConfig(plan.profile, ctx), library);
      for (const id of Object.keys(state.uses)) if (!harness.live.some((it) => it.id === id)) delete state.uses[id];
      entry.pass = record;
      state.pending = { cost, tokens };
      state.passes++;
    }
    appendFileSync(files.journal, `${ctx.scrub(JSON.stringify(entry))}\n`);
    journal.push(entry);
    state.tasksDone = t + 1;
    state.harness = harness.snapshot();
    writeFileAtomic(files.state, ctx.scrub(JSON.stringify(state)));
    ctx.onTask();
  }
  return journal;
}
