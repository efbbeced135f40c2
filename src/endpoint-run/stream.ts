/**
 * One endpoint stream, resumable task by task: the harness loop (retrieve → ask → check → author) over a list of
 * real tasks, with a curation pass every `interval` tasks. `curator collect` (a behaviour curator, sampled) and
 * `curator eval` (the evaluated curator, argmax) both run their streams through here.
 *
 * Crash safety: after every task the stream appends one journal line (`<key>.jsonl`: the task and the pass
 * after it) and then saves its state atomically (`<key>.state.json`: library, counters, use log). A killed run
 * restarted from these files sends no finished task again; the journal may hold one line more than the state
 * counts (killed between the two writes) or a torn last line, and both are dropped (that task runs again).
 * API keys are read from the environment only; every line written is scrubbed of them.
 */
import { RECENT_TASKS } from "../features/content.js";
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { EXECUTOR_PRESETS } from "../executors/presets.js";
import type { EndpointClient } from "../executors/endpoint/client.js";
import type { SandboxOptions } from "../tasks/sandbox.js";
import { EndpointHarness, type HarnessConfig, type HarnessState } from "../executors/endpoint/harness.js";
import {
  DEFAULT_PRICES,
  isEndpointProfileJson,
  type EndpointBlock,
  type EndpointProfile,
} from "../executors/endpoint/profile.js";
import { redact } from "../executors/endpoint/retry.js";
import type { Task } from "../tasks/task.js";
import { loadTasks } from "../tasks/load.js";
import { requireIsolation } from "../tasks/isolation.js";
import type { Curator } from "../curators/types.js";
import { EXEC_STAT_PRIOR, recordExecutorTask } from "../features/executor-stats.js";
import type { Governance } from "../schemas/world.js";
import { countTokens } from "../text/tokens.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CuratorError, isCuratorError } from "../errors.js";
import { taskRecord, type JournalEntry, type TaskRecord } from "./journal.js";
import { labelPass, type PassLabels } from "../labels/label-pass.js";
import {
  addSpend,
  labelledPasses,
  NO_SPEND,
  passSlots,
  type RolloutSettings,
  type RolloutSpend,
} from "../labels/plan.js";
import { endpointExecutor, type EndpointFork } from "./fork.js";
import { ownCacheClient, STREAM_PROMPTS } from "./own-cache.js";
import type { PromptMessage } from "../executors/prefix-cache.js";
import { rolloutJournal } from "./rollout-journal.js";
import { tasksNeeded, type TaskOrder } from "../tasks/stream-tasks.js";
import { curationPass, labelRecord, recordUses, type UseLog } from "./pass.js";
import type { OracleContext } from "../world/oracle.js";
import { NUM_ACTIONS } from "../actions.js";

/** The harness settings every endpoint run uses (a profile may set its own retrievalK); recorded in the manifest. */
export const HARNESS = {
  retrievalK: 8,
  recentWindow: 6,
  authoring: true,
  revealOutcome: false,
  maxItemTokens: 300,
} as const;

/** Default pass interval of endpoint runs: real streams are short (AIME: 30 tasks), and a pass needs tasks after it. */
export const ENDPOINT_CURATION_INTERVAL = 5;

/**
 * The tasks of a real task stream that `streams` streams of `perStream` tasks draw from under `order`
 * (tasks/stream-tasks.ts): the first perStream, or streams × perStream for disjoint; code tasks need a sandbox
 * (or --unsafe-no-sandbox).
 */
export function taskPool(
  tasksFrom: string,
  perStream: number,
  unsafeNoSandbox: boolean,
  layout: { order: TaskOrder; streams: number } = { order: "original", streams: 1 },
): Task[] {
  const all = loadTasks(tasksFrom);
  const count = tasksNeeded(layout.order, perStream, layout.streams);
  if (all.length < count)
    throw new CuratorError(
      "BAD_ARGUMENT",
      layout.order === "disjoint"
        ? `--task-order disjoint gives each of ${layout.streams} streams its own ${perStream} tasks: ${count} in all, but '${tasksFrom}' holds ${all.length}. Pass fewer --tasks or streams, or a larger source (world:NAME:SEED:COUNT takes any COUNT).`
        : `--tasks ${count} asks for more tasks than '${tasksFrom}' holds (${all.length}). Pass --tasks ${all.length} or fewer.`,
    );
  const tasks = all.slice(0, count);
  if (tasks.some((t) => t.kind === "code")) requireIsolation(unsafeNoSandbox);
  return tasks;
}

export type SpecKind = "endpoint" | "simulated" | "unreadable";

/** What an --executors entry names: a preset or simulated profile, a profile with an `endpoint` block, or neither. */
export function specKind(spec: string): SpecKind {
  if (spec in EXECUTOR_PRESETS) return "simulated";
  if (!existsSync(spec)) return "unreadable";
  try {
    return isEndpointProfileJson(JSON.parse(readFileSync(spec, "utf8"))) ? "endpoint" : "simulated";
  } catch {
    return "unreadable";
  }
}

export const splitSpecs = (list: string) =>
  list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** True when any --executors entry is a profile file with an `endpoint` block. */
export function usesEndpoints(executors: string): boolean {
  return splitSpecs(executors).some((s) => specKind(s) === "endpoint");
}

export interface StreamPlan {
  /** file stem of the stream's journal and state in the scratch folder, e.g. "stream-3" */
  key: string;
  /** how messages name the stream, e.g. "stream 3" */
  label: string;
  /** seeds the pass sampling */
  seed: number;
  profile: EndpointProfile;
  executor: EndpointClient;
  rewriter: EndpointClient;
}

export interface StreamState {
  tasksDone: number;
  passes: number;
  harness: HarnessState;
  exec: { successRate: number; budgetUse: number };
  /** curation spend not yet charged to a task (charged to the next one) */
  pending: { cost: number; tokens: number };
  uses: UseLog;
  /** --labels rollout: extra tasks spent so far */
  rollout?: RolloutSpend;
  /** the stream's last prompts, which price its calls' cached tokens (own-cache.ts) */
  prompts?: PromptMessage[][];
  /** --labels rollout: the last task is finished, its (labelled) pass is not; a resumed run continues with the pass */
  awaitingPass?: TaskRecord;
}

export interface RunContext {
  /** the stream's tasks, in the order they are run */
  tasks: readonly Task[];
  curator: Curator;
  epsilon: number;
  /** evaluation: most probable action (see curationPass); collection samples */
  argmax?: boolean;
  interval: number;
  governance: Governance;
  /** the scratch folder (OUT.partial) */
  partial: string;
  scrub: (text: string) => string;
  onTask: () => void;
  /** code tasks: --unsafe-no-sandbox */
  sandbox: SandboxOptions;
  warn: (message: string) => void;
  /** checked before each task: a set flag stops the stream after its last saved task (other streams failed) */
  stopped?: () => boolean;
  /** collect --labels rollout: label the passes the plan picks from forks of the harness (labels/) */
  rollout?: RolloutSettings;
  /**
   * eval of the oracle on an endpoint: at every pass, every item is valued by the same rollouts (these settings,
   * every item, no groups), which the curator reads as its privileged context (world/oracle.ts)
   */
  oracleRollouts?: RolloutSettings;
}

export interface SavedStream {
  state: StreamState;
  journal: JournalEntry[];
}

export function keyOf(block: EndpointBlock): string | undefined {
  return block.apiKeyEnv ? process.env[block.apiKeyEnv] : undefined;
}

/** A scrubber removing every API key the profiles name (as read from the environment) from a text. */
export function keyScrubber(profiles: readonly EndpointProfile[]): (text: string) => string {
  const secrets = profiles
    .flatMap((p) => [p.endpoint, p.rewriter ?? p.endpoint])
    .map(keyOf)
    .filter((k): k is string => !!k);
  return (text: string) => secrets.reduce((t, k) => redact(t, k), text);
}

/** Probes every distinct endpoint (executors and rewriters) once; the first failure names its profile file. */
export async function probeAll(
  targets: ReadonlyArray<{ spec: string; executor: EndpointClient; rewriter: EndpointClient }>,
): Promise<void> {
  const seen = new Set<EndpointClient>();
  for (const p of targets)
    for (const [client, role] of [
      [p.executor, "endpoint"],
      [p.rewriter, "rewriter"],
    ] as const) {
      if (seen.has(client)) continue;
      seen.add(client);
      try {
        await client.probe();
      } catch (e) {
        if (!isCuratorError(e)) throw e;
        throw new CuratorError(e.code, `Profile '${p.spec}' (${role}): ${e.message} Nothing was written.`);
      }
    }
}

function streamFiles(partial: string, key: string) {
  return { state: join(partial, `${key}.state.json`), journal: join(partial, `${key}.jsonl`) };
}

/**
 * The saved progress of a stream, or a fresh start from `start` (default: an empty library). The journal may
 * hold one line more than the state counts or a torn last line; both are dropped and the task is run again.
 */
export function loadStream(
  partial: string,
  key: string,
  scrub: (t: string) => string,
  start?: HarnessState,
): SavedStream {
  const files = streamFiles(partial, key);
  if (!existsSync(files.state)) {
    rmSync(files.journal, { force: true });
    const state: StreamState = {
      tasksDone: 0,
      passes: 0,
      harness: structuredClone(start ?? { live: [], archive: [], step: 0 }),
      exec: { ...EXEC_STAT_PRIOR },
      pending: { cost: 0, tokens: 0 },
      uses: {},
    };
    return { state, journal: [] };
  }
  const state = JSON.parse(readFileSync(files.state, "utf8")) as StreamState;
  const lines = existsSync(files.journal)
    ? readFileSync(files.journal, "utf8").split("\n").slice(0, state.tasksDone)
    : [];
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
  return {
    executorName: profile.name,
    contextBudget: profile.contextBudget,
    prices: profile.prices ?? DEFAULT_PRICES,
    ...HARNESS,
    ...(profile.retrievalK !== undefined ? { retrievalK: profile.retrievalK } : {}),
    ...(profile.reflection ? { reflection: true } : {}),
    sandbox: ctx.sandbox,
  };
}

/** Runs the stream's remaining tasks, saving each one as it finishes; returns the whole journal. */
export async function runEndpointStream(
  plan: StreamPlan,
  saved: SavedStream,
  ctx: RunContext,
): Promise<JournalEntry[]> {
  const files = streamFiles(ctx.partial, plan.key);
  const { state, journal } = saved;
  // Calls are priced by the stream's own prompt history (own-cache.ts): other streams on the server do not discount it.
  const executor = ownCacheClient(plan.executor, state, STREAM_PROMPTS);
  const rewriter = ownCacheClient(plan.rewriter, state, STREAM_PROMPTS);
  let harness = new EndpointHarness(executor, harnessConfig(plan.profile, ctx), state.harness);
  const labelled = ctx.rollout
    ? labelledPasses(ctx.rollout, passSlots(ctx.tasks.length, ctx.interval), plan.seed)
    : new Set<number>();
  for (let t = state.tasksDone; t < ctx.tasks.length; t++) {
    if (ctx.stopped?.()) break;
    const task = state.awaitingPass ?? (await runOneTask(plan, state, harness, t, ctx));
    const passDue = (t + 1) % ctx.interval === 0 && t + 1 < ctx.tasks.length && harness.live.length > 0;
    const entry: JournalEntry = { task };
    if (passDue) {
      const rollout = ctx.rollout && labelled.has(state.passes) ? ctx.rollout : undefined;
      const oracle = ctx.oracleRollouts;
      if ((rollout || oracle) && !state.awaitingPass) {
        // Rollouts take many tasks: keep the finished task before they start, so a kill loses none of them.
        state.awaitingPass = task;
        state.harness = harness.snapshot();
        writeFileAtomic(files.state, ctx.scrub(JSON.stringify(state)));
      }
      let oracleLabels: PassLabels | undefined;
      const { record, library, cost, tokens } = await curationPass({
        harness,
        profile: plan.profile,
        rewriter,
        behavior: ctx.curator,
        epsilon: ctx.epsilon,
        argmax: ctx.argmax,
        governance: ctx.governance,
        seed: plan.seed,
        pass: state.passes,
        exec: state.exec,
        uses: state.uses,
        recentTasks: ctx.tasks.slice(Math.max(0, t + 1 - RECENT_TASKS), t + 1).map((x) => x.prompt),
        latestTask: ctx.tasks[t],
        label: rollout && ((p) => labelEndpointPass(plan, state, harness, p, rollout, ctx)),
        privileged: oracle && oracleValues(plan, state, harness, oracle, ctx, (l) => (oracleLabels = l)),
      });
      // The oracle's values are the pass's labels: kept in the journal as a labelled pass keeps its own.
      if (oracleLabels) Object.assign(record, labelRecord(oracleLabels));
      harness = new EndpointHarness(executor, harnessConfig(plan.profile, ctx), library);
      for (const id of Object.keys(state.uses)) if (!harness.live.some((it) => it.id === id)) delete state.uses[id];
      entry.pass = record;
      state.pending = { cost, tokens };
      state.passes++;
      if (record.spend) state.rollout = addSpend(state.rollout ?? NO_SPEND, record.spend);
    }
    delete state.awaitingPass;
    appendFileSync(files.journal, `${ctx.scrub(JSON.stringify(entry))}\n`);
    journal.push(entry);
    state.tasksDone = t + 1;
    state.harness = harness.snapshot();
    writeFileAtomic(files.state, ctx.scrub(JSON.stringify(state)));
    ctx.onTask();
  }
  return journal;
}

/** Runs task t on the stream's harness and folds its outcome into the stream state. */
async function runOneTask(
  plan: StreamPlan,
  state: StreamState,
  harness: EndpointHarness,
  t: number,
  ctx: RunContext,
): Promise<TaskRecord> {
  const tokensBefore = new Map(harness.live.map((it) => [it.id, it.tokens ?? countTokens(it.content)]));
  const outcome = await harness.runTask(ctx.tasks[t]).catch((e: unknown) => {
    throw resumable(e, `${t} finished task(s) of ${plan.label} are saved in '${ctx.partial}'`);
  });
  if (outcome.replyRefused)
    ctx.warn(`${plan.label}, task ${t + 1} ('${ctx.tasks[t].id}'): counted as failed: ${outcome.replyRefused}`);
  const task = taskRecord(outcome, tokensBefore, state.pending, plan.profile.prices ?? DEFAULT_PRICES);
  recordUses(state.uses, ctx.tasks[t], outcome.retrievedIds, outcome.success);
  state.pending = { cost: 0, tokens: 0 };
  // The executor's running statistics, folded as the simulated world folds them (one definition).
  recordExecutorTask(
    state.exec,
    { success: task.success, contextTokens: outcome.contextTokens },
    plan.profile.contextBudget,
  );
  return task;
}

/** An endpoint failure that stops the run, with what is saved and how to continue. */
function resumable(e: unknown, saved: string): unknown {
  if (!isCuratorError(e)) return e;
  return new CuratorError(e.code, `${e.message} ${saved}: fix the endpoint and re-run the same command with --resume.`);
}

/** Rollout labels of one pass of an endpoint stream: the shared routine over forks of the harness, journaled. */
async function labelEndpointPass(
  plan: StreamPlan,
  state: StreamState,
  harness: EndpointHarness,
  p: { rows: number; masks: Float32Array; probs: Float32Array },
  settings: RolloutSettings,
  ctx: RunContext,
): Promise<PassLabels> {
  const exec = endpointExecutor({
    state: harness.snapshot(),
    uses: state.uses,
    executor: plan.executor,
    rewriter: plan.rewriter,
    harness: harnessConfig(plan.profile, ctx),
    prices: plan.profile.prices,
    tasks: ctx.tasks,
    samples: settings.samples,
  });
  const journal = rolloutJournal<EndpointFork>(ctx.partial, plan.key, state.passes, ctx.scrub);
  const pass = {
    ...p,
    governance: ctx.governance,
    seed: plan.seed,
    pass: state.passes,
    spent: state.rollout?.tasks ?? 0,
  };
  return labelPass(exec, settings, pass, journal).catch((e: unknown) => {
    throw resumable(e, `The finished tasks of ${plan.label} and of its rollouts are saved in '${ctx.partial}'`);
  });
}

/**
 * The oracle's privileged context on an endpoint: the counterfactual values of every live item from rollouts on
 * forks of the harness (the routine and journal that label a pass in collect); `onLabels` gets them with their spend.
 */
function oracleValues(
  plan: StreamPlan,
  state: StreamState,
  harness: EndpointHarness,
  settings: RolloutSettings,
  ctx: RunContext,
  onLabels: (labels: PassLabels) => void,
): OracleContext {
  return {
    values: async (masks) => {
      const rows = masks.length / NUM_ACTIONS;
      const all = { ...settings, items: undefined, groups: 0, states: undefined, budget: undefined };
      const p = { rows, masks, probs: new Float32Array(masks.length) };
      const labels = await labelEndpointPass(plan, state, harness, p, all, ctx);
      onLabels(labels);
      return labels.counterfactuals!;
    },
  };
}
