/**
 * Evaluation units on endpoint executors (OpenAI-compatible servers): for every evaluation stream (seed ×
 * stream) its tasks of --tasks-from as --task-order says (tasks/stream-tasks.ts), and every curator runs that stream from
 * the same starting library (empty, or --library) with the same sampling settings (the profile's: temperature
 * 0 by default). Curators act by argmax, as in simulated evaluation. The units then go through the same
 * summary, report and plots as simulated units.
 *
 * Order of effects: profiles, tasks, the library are read and every endpoint is probed before anything is
 * written (prepareEndpointEval). Each unit keeps a per-task journal in the scratch folder (OUT.partial, see
 * endpoint-run/stream.ts), so a killed eval re-run with --resume sends no finished task again.
 */
import { createHash } from "node:crypto";
import { EndpointClient } from "../executors/endpoint/client.js";
import { readEndpointProfile, type EndpointProfile } from "../executors/endpoint/profile.js";
import type { HarnessState } from "../executors/endpoint/harness.js";
import type { Governance } from "../schemas/world.js";
import type { Task } from "../tasks/task.js";
import type { Curator } from "../curators/types.js";
import type { RolloutSettings } from "../labels/plan.js";
import { startingLibrary } from "../endpoint-run/start-library.js";
import { streamSeed } from "../seeds.js";
import { streamTasks, type TaskOrder } from "../tasks/stream-tasks.js";
import type { JournalEntry } from "../endpoint-run/journal.js";
import {
  ENDPOINT_CURATION_INTERVAL,
  HARNESS,
  taskPool,
  keyScrubber,
  loadStream,
  probeAll,
  runEndpointStream,
  type RunContext,
} from "../endpoint-run/stream.js";
import type { EvalRun, UnitRecord } from "./summarize.js";

export interface EndpointEvalInput {
  /** endpoint profile files, in --executors order */
  specs: string[];
  tasksFrom: string;
  tasks: number;
  seeds: number[];
  streams: number;
  curationInterval?: number;
  library?: string;
  taskOrder: TaskOrder;
  unsafeNoSandbox: boolean;
}

/** Everything checked and probed: ready to run without a surprise about the input. */
export interface EndpointEval {
  profiles: EndpointProfile[];
  clients: Array<{ executor: EndpointClient; rewriter: EndpointClient }>;
  tasks: Task[];
  start: HarnessState;
  governance: Governance;
  interval: number;
  scrub: (text: string) => string;
  /** identifies what the journals depend on (options, profiles, tasks, library), for --resume */
  identity: unknown;
  input: EndpointEvalInput;
}

export async function prepareEndpointEval(input: EndpointEvalInput): Promise<EndpointEval> {
  const profiles = input.specs.map((s) => readEndpointProfile(s));
  const tasks = taskPool(input.tasksFrom, input.tasks, input.unsafeNoSandbox, {
    order: input.taskOrder,
    streams: input.seeds.length * input.streams,
  });
  const { start, governance } = startingLibrary(input.library);
  const clients = profiles.map((p) => {
    const executor = new EndpointClient(p.endpoint);
    return { executor, rewriter: p.rewriter ? new EndpointClient(p.rewriter) : executor };
  });
  await probeAll(clients.map((c, i) => ({ spec: input.specs[i], ...c })));
  const interval = input.curationInterval ?? ENDPOINT_CURATION_INTERVAL;
  const sha = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");
  const identity = { profiles, tasksSha256: sha(tasks), librarySha256: sha(start), governance, interval, HARNESS };
  return { profiles, clients, tasks, start, governance, interval, scrub: keyScrubber(profiles), identity, input };
}

/** A journal as the summary reads it (no hidden truth: stale-hit and the like are n/a). */
export function journalRun(journal: readonly JournalEntry[]): EvalRun {
  return {
    tasks: journal.map(({ task: t }) => ({
      success: t.success,
      cost: t.cost,
      promptTokens: t.promptTokens,
      cachedTokens: t.cachedTokens,
      outputTokens: t.outputTokens,
      curationTokens: t.curationTokens,
      librarySize: t.librarySize,
      libraryTokens: t.libraryTokens,
    })),
    passes: journal.flatMap((e) => (e.pass ? [{ actions: e.pass.actions }] : [])),
    ...(journal.some((e) => e.pass?.spend)
      ? { rolloutTasks: journal.reduce((s, e) => s + (e.pass?.spend?.tasks ?? 0), 0) }
      : {}),
  };
}

export interface EndpointCurator {
  name: string;
  curator: Curator;
  /** the oracle: its values come from these rollouts of every item at every pass */
  rollouts?: RolloutSettings;
}

export interface EndpointRunHooks {
  /** called after every finished (saved) task */
  onTask?: () => void;
  /** called once per unit with the finished tasks its journal already held */
  onResumed?: (tasks: number) => void;
  onWarning?: (message: string) => void;
}

interface Unit {
  key: string;
  curator: EndpointCurator;
  executor: number;
  seed: number;
  stream: number;
  /** which block of tasks the unit runs under --task-order disjoint (its stream's number over all seeds) */
  block: number;
}

/**
 * Runs every curator × endpoint executor × seed × stream unit, resuming any unit the scratch folder holds.
 * Units of one executor run `concurrency` at a time (each unit's tasks in order). If a unit fails, the others
 * stop after their current task, and the first failure is thrown once they have all saved their work.
 */
export async function runEndpointUnits(
  ev: EndpointEval,
  curators: readonly EndpointCurator[],
  scratch: string,
  hooks: EndpointRunHooks = {},
): Promise<UnitRecord[]> {
  const { seeds, streams } = ev.input;
  const results = new Map<string, UnitRecord>();
  let failure: unknown;
  const runOne = async (u: Unit) => {
    const profile = ev.profiles[u.executor];
    const seed = streamSeed(u.seed, u.stream, "eval");
    const saved = loadStream(scratch, u.key, ev.scrub, ev.start);
    if (saved.state.tasksDone > 0) hooks.onResumed?.(saved.state.tasksDone);
    const label = `curator ${u.curator.name} on ${profile.name}, seed ${u.seed} stream ${u.stream}`;
    const ctx: RunContext = {
      tasks: streamTasks(ev.tasks, ev.input.tasks, ev.input.taskOrder, u.block, seed),
      curator: u.curator.curator,
      epsilon: 0,
      argmax: true,
      interval: ev.interval,
      governance: ev.governance,
      partial: scratch,
      scrub: ev.scrub,
      onTask: () => hooks.onTask?.(),
      sandbox: { unsafeNoSandbox: ev.input.unsafeNoSandbox },
      warn: (m) => hooks.onWarning?.(ev.scrub(m)),
      stopped: () => failure !== undefined,
      ...(u.curator.rollouts ? { oracleRollouts: u.curator.rollouts } : {}),
    };
    const plan = { key: u.key, label, seed, profile, ...ev.clients[u.executor] };
    const journal = await runEndpointStream(plan, saved, ctx);
    results.set(u.key, {
      curator: u.curator.name,
      executor: profile.name,
      seed: u.seed,
      stream: u.stream,
      run: journalRun(journal),
    });
  };
  const pools = ev.profiles.map(async (profile, e) => {
    const queue: Unit[] = [];
    seeds.forEach((seed, si) => {
      for (let s = 0; s < streams; s++)
        curators.forEach((c, ci) =>
          queue.push({
            key: `eval-c${ci}-e${e}-s${seed}-${s}`,
            curator: c,
            executor: e,
            seed,
            stream: s,
            block: si * streams + s,
          }),
        );
    });
    const worker = async () => {
      for (let u = queue.shift(); u && failure === undefined; u = queue.shift())
        await runOne(u).catch((err: unknown) => {
          failure ??= err;
        });
    };
    await Promise.all(Array.from({ length: Math.max(1, profile.endpoint.concurrency) }, worker));
  });
  await Promise.all(pools);
  if (failure !== undefined) throw failure;
  const units: UnitRecord[] = [];
  ev.profiles.forEach((_, e) =>
    curators.forEach((_c, ci) => {
      for (const seed of seeds)
        for (let s = 0; s < streams; s++) units.push(results.get(`eval-c${ci}-e${e}-s${seed}-${s}`)!);
    }),
  );
  return units;
}

/** Tasks the endpoint units run in all (for progress). */
export function endpointTaskCount(ev: EndpointEval, curators: number): number {
  return ev.profiles.length * curators * ev.input.seeds.length * ev.input.streams * ev.input.tasks;
}
