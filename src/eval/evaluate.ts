/**
 * `curator eval`: every curator runs on the same evaluation streams (paired comparison) for every executor;
 * streams come from the "eval" seed domain, disjoint from any collected training stream. Executors are
 * simulated (presets, profile files) or endpoint profiles (real models over --tasks-from, endpoint-units.ts),
 * mixed freely; both kinds give the same units, summary and report.
 */
import { pushAll } from "../util/arrays.js";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { z } from "zod";
import { resolveWorld } from "../world/presets.js";
import { resolveExecutorEntry } from "../executors/presets.js";
import { isSampleSpec } from "../executors/sampler.js";
import { runStream } from "../world/stream.js";
import { BASELINES, isBaselineName } from "../curators/registry.js";
import { resolveCurator } from "../curators/resolve.js";
import type { Curator } from "../curators/types.js";
import { streamSeed } from "../seeds.js";
import { parseWith, readJsonFile } from "../util/json-file.js";
import { CuratorError } from "../errors.js";
import { ModelCardSchema } from "../schemas/card.js";
import { RewardConfigSchema } from "../reward.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { refuseGreedySamples, rolloutSamplesField, TaskStreamFields } from "../endpoint-run/options.js";
import { specKind } from "../endpoint-run/stream.js";
import { preparePartial, removeScratch } from "../util/scratch.js";
import { TASK_ORDER_HELP, TaskOrderField, type TaskOrder } from "../tasks/stream-tasks.js";
import { endpointTaskCount, prepareEndpointEval, runEndpointUnits, type EndpointEval } from "./endpoint-units.js";
import { summarize, type UnitRecord, type EvalResults, type CuratorInfo } from "./summarize.js";

export const EvalOptionsSchema = z
  .object({
    curators: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "curators to compare: baseline names (none, random, heuristic, oracle), .onnx files or model folders; none, heuristic and oracle are always added as references",
      ),
    names: z.array(z.string().min(1)).optional().describe("display names for the curators, in the same order"),
    executors: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        "executor presets (weak, mid, strong, …), profile JSON files, or sample:COUNT[:holdout][@seed=N] (each draw reported, plus one row over all draws); profiles with an endpoint block run real models over --tasks-from (docs/real-executors.md)",
      ),
    world: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .default("default")
      .describe("world preset (default, fast-drift, shared, tiny) or JSON file"),
    streams: z.number().int().positive().default(8).describe("evaluation streams per seed"),
    tasks: z.number().int().positive().default(200).describe("tasks per stream"),
    seeds: z
      .array(z.number().int().nonnegative())
      .min(1)
      .refine((s) => new Set(s).size === s.length, "lists a seed twice")
      .default([1, 2, 3])
      .describe("evaluation seeds (their streams are disjoint from training streams)"),
    costWeight: RewardConfigSchema.shape.costWeight,
    bucket: z.number().int().positive().default(20).describe("tasks per point in the over-the-stream series"),
    tasksFrom: TaskStreamFields.tasksFrom,
    curationInterval: TaskStreamFields.curationInterval,
    library: z
      .string()
      .min(1)
      .optional()
      .describe(
        "endpoint executors: a library file (JSONL, as decide reads it) every curator starts from; default empty",
      ),
    unsafeNoSandbox: TaskStreamFields.unsafeNoSandbox,
    taskOrder: TaskOrderField.default("shuffled").describe(`${TASK_ORDER_HELP}; default shuffled`),
    oracleSamples: rolloutSamplesField(
      "the oracle named on endpoint executors: answers sampled per rollout task (as collect --rollout-samples; the profile's temperature must be above 0); default 1",
    ),
    resume: z
      .boolean()
      .default(false)
      .describe("endpoint executors: continue an interrupted eval (same options) without re-sending a finished task"),
    scratch: z
      .string()
      .min(1)
      .optional()
      .describe(
        "folder for the endpoint units' per-task journals (the CLI uses OUT.partial); needed with endpoint executors",
      ),
  })
  .strict();
export type EvalOptions = z.input<typeof EvalOptionsSchema>;

/** Reference curators always evaluated, so uplift shares and paired tests have their anchors. */
const REFERENCES = ["none", "heuristic", "oracle"];

export interface EvalHooks {
  onProgress?: (done: number, total: number, label?: string) => void;
  /** what a user should know that does not stop the run (a curator skipped on endpoint executors, a refused reply) */
  onWarning?: (message: string) => void;
}

export async function evaluate(input: EvalOptions, hooks: EvalHooks = {}): Promise<EvalResults> {
  const o = parseWith(EvalOptionsSchema, input, "eval options");
  const world = resolveWorld(o.world);
  if (o.curationInterval !== undefined) world.curationInterval = o.curationInterval;
  const kinds = o.executors.map((e) => (specKind(e) === "endpoint" ? "endpoint" : "simulated"));
  const endpointSpecs = o.executors.filter((_, i) => kinds[i] === "endpoint");
  const entries = o.executors
    .filter((_, i) => kinds[i] === "simulated")
    .map((spec) => ({ spec, profiles: resolveExecutorEntry(spec) }));
  const profiles = entries.flatMap((e) => e.profiles);
  const names = profiles.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--executors names the executor '${dup}' twice; each backbone is evaluated once.`,
    );
  checkEndpointOptions(o, endpointSpecs.length > 0);
  const notes: string[] = [];
  const simulatorOnly = (s: string) =>
    isBaselineName(s) && (BASELINES[s] as { needsSimulator?: boolean }).needsSimulator === true;
  const references = REFERENCES.filter((r) => !o.curators.includes(r) && (profiles.length > 0 || !simulatorOnly(r)));
  const specs = [...o.curators, ...references];
  const infos = curatorInfos(specs, o.names);
  const curators: Curator[] = [];
  const hashes: string[] = [];
  for (const s of specs) {
    const r = await resolveCurator(s, { simulator: true, reward: { costWeight: o.costWeight } });
    curators.push(r.curator);
    hashes.push(r.modelHash);
  }
  checkDisjointFromTraining(infos, o.seeds, o.streams);
  // The oracle runs on endpoint executors only when named: its values come from rollouts there (expensive).
  const onEndpoints = specs.map((s) => !simulatorOnly(s) || (s === "oracle" && o.curators.includes(s)));
  let ev: EndpointEval | undefined;
  if (endpointSpecs.length) {
    ev = await prepareEndpointEval({ ...o, tasksFrom: o.tasksFrom!, specs: endpointSpecs });
    refuseGreedySamples("--oracle-samples", o.oracleSamples, ev.profiles);
    for (const [i, info] of infos.entries())
      if (!onEndpoints[i]) {
        const note =
          `${info.name} reads the simulator's hidden truth and does not run on endpoint executors (${ev.profiles.map((p) => p.name).join(", ")}): its rows and the oracle uplift share are n/a there` +
          (specs[i] === "oracle"
            ? ` (name it in --curators to run it there from rollouts: about ${2 * ev.interval} × (1 + 3 × items) extra tasks per pass).`
            : ".");
        notes.push(note);
        hooks.onWarning?.(note);
      }
    notes.push(
      `Endpoint executors (${ev.profiles.map((p) => p.name).join(", ")}) ran ${taskOrderNote(o.taskOrder, o.tasks, o.tasksFrom)}, ` +
        `every curator from the same ${o.library ? `library (${o.library}, ${ev.start.live.length} items)` : "empty library"} with a curation pass every ${ev.interval} tasks; ` +
        `cost is from the servers' usage (cached prompt tokens at the cache-read price); stale-hit and contamination-follow are not observable there (n/a).`,
    );
    const hot = ev.profiles.filter((p) => p.endpoint.temperature > 0).map((p) => p.name);
    if (hot.length)
      notes.push(
        `Sampling temperature above 0 on ${hot.join(", ")}: curators see the same tasks, but replies are drawn independently, so pairing is weaker.`,
      );
  }

  const groups: ExecutorProfile[][] =
    profiles.length === 0 ? [] : world.sharedLibrary ? [profiles] : profiles.map((p) => [p]);
  const horizon = 2 * world.curationInterval;
  const units: UnitRecord[] = [];
  const endpointCurators = specs.flatMap((s, i) =>
    onEndpoints[i]
      ? [
          {
            name: infos[i].name,
            curator: curators[i],
            ...(s === "oracle" && ev
              ? { rollouts: { horizon: 2 * ev.interval, groups: 0, samples: o.oracleSamples } }
              : {}),
          },
        ]
      : [],
  );
  const total =
    curators.length * groups.length * o.seeds.length * o.streams +
    (ev ? endpointTaskCount(ev, endpointCurators.length) : 0);
  let done = 0;
  for (const [ci, curator] of curators.entries())
    for (const group of groups)
      for (const seed of o.seeds)
        for (let s = 0; s < o.streams; s++) {
          const spec = { streamId: s, seed: streamSeed(seed, s, "eval"), world, executors: group, tasks: o.tasks };
          const run = await runStream(spec, curator, { mode: "argmax", horizon });
          units.push({ curator: infos[ci].name, executor: group.map((p) => p.name).join("+"), seed, stream: s, run });
          hooks.onProgress?.(++done, total, `${infos[ci].name} on ${group.map((p) => p.name).join("+")}`);
        }
  if (ev) {
    const scratch = o.scratch!;
    const { resume: _r, scratch: _s, ...rest } = o;
    const fingerprint = createHash("sha256")
      .update(JSON.stringify({ o: { ...rest, unsafeNoSandbox: undefined }, ev: ev.identity, hashes }))
      .digest("hex");
    preparePartial(scratch, fingerprint, o.resume);
    const endpointUnits = await runEndpointUnits(ev, endpointCurators, scratch, {
      onTask: () => hooks.onProgress?.(++done, total, "endpoint tasks"),
      onResumed: (tasks) => hooks.onProgress?.((done += tasks), total, "endpoint tasks resumed"),
      onWarning: hooks.onWarning,
    });
    pushAll(units, endpointUnits);
    for (const p of ev.profiles) {
      const oracle = endpointUnits.filter((u) => u.executor === p.name && u.run.rolloutTasks !== undefined);
      if (!oracle.length) continue;
      const extra = oracle.reduce((s, u) => s + u.run.rolloutTasks!, 0);
      const own = oracle.reduce((s, u) => s + u.run.tasks.length, 0);
      notes.push(
        `The oracle on ${p.name} chose from rollouts (horizon ${2 * ev.interval} tasks, every item at every pass${o.oracleSamples ? `, ${o.oracleSamples} answers per rollout task` : ""}): ${extra} extra tasks, ${(extra / own).toFixed(1)}× its ${own} stream tasks.`,
      );
    }
  }
  for (const c of curators) await c.dispose?.();
  // Endpoint-only settings are recorded only where they apply (a simulated eval's results.json keeps its shape).
  const { resume: _r, scratch: _s, unsafeNoSandbox, taskOrder, ...config } = o;
  if (ev) Object.assign(config, { taskOrder });
  if (unsafeNoSandbox) Object.assign(config, { unsafeNoSandbox });
  const res = summarize(units, infos, { ...config, world: world.name, horizon, ...(notes.length ? { notes } : {}) });
  if (!world.sharedLibrary)
    for (const e of entries.filter((x) => isSampleSpec(x.spec) && x.profiles.length > 1)) {
      const drawNames = new Set(e.profiles.map((p) => p.name));
      for (const r of res.results) if (drawNames.has(r.executor)) r.drawOf = e.spec;
      pushAll(res.results, aggregateRows(units, infos, e.spec, e.profiles, o.bucket));
    }
  return res;
}

/**
 * One row per curator over all draws of a sample spec, named by the spec: success and cost pooled over every
 * draw's streams, the oracle-uplift share as the pooled gap closed (paired by draw, seed and stream).
 */
function aggregateRows(
  units: UnitRecord[],
  infos: CuratorInfo[],
  spec: string,
  draws: ExecutorProfile[],
  bucket: number,
) {
  const names = new Set(draws.map((p) => p.name));
  const pooled = units.filter((u) => names.has(u.executor)).map((u) => ({ ...u, executor: spec }));
  return summarize(pooled, infos, { bucket }).results.map((r) => ({ ...r, draws: draws.length }));
}

/** Removes the endpoint units' journals once the report is written (nothing to resume any more). */
export function finishScratch(scratch: string | undefined): void {
  if (scratch) removeScratch(scratch);
}

/** The endpoint-only options need endpoint executors, and endpoint executors need a task stream and a scratch folder. */
function checkEndpointOptions(o: z.output<typeof EvalOptionsSchema>, endpoints: boolean): void {
  if (!endpoints) {
    const flag = { tasksFrom: "--tasks-from", library: "--library", oracleSamples: "--oracle-samples" } as const;
    const given = (Object.keys(flag) as (keyof typeof flag)[]).filter((k) => o[k] !== undefined);
    if (given.length)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `${given.map((k) => flag[k]).join(" and ")} apply to endpoint executors only: add a profile with an "endpoint" block to --executors (docs/real-executors.md), or drop the option (simulated executors draw their tasks and library from the world).`,
      );
    return;
  }
  if (o.oracleSamples !== undefined && !o.curators.includes("oracle"))
    throw new CuratorError(
      "BAD_ARGUMENT",
      "--oracle-samples sets the rollouts of the oracle on endpoint executors: name `oracle` in --curators, or drop it.",
    );
  if (o.tasksFrom === undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "Endpoint executors run real tasks: add --tasks-from dynamic-cheatsheet:PATH or --tasks-from jsonl:PATH (the first --tasks are run).",
    );
  if (o.scratch === undefined)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "Endpoint executors keep a per-task journal: pass `scratch` (a folder; the CLI uses OUT.partial).",
    );
}

function curatorInfos(specs: string[], names: string[] = []): CuratorInfo[] {
  const base = specs.map((s) => (s.endsWith(".onnx") ? basename(s) : s));
  return specs.map((spec, i) => {
    const dup = base.filter((b) => b === base[i]).length > 1;
    const name = names[i] ?? (dup ? join(basename(dirname(spec)), base[i]) : base[i]);
    const isFolder = existsSync(join(spec, "card.json"));
    if (!spec.endsWith(".onnx") && !isFolder) return { name, kind: "baseline" as const, spec };
    const cardPath = isFolder ? join(spec, "card.json") : join(dirname(spec), "card.json");
    const card = existsSync(cardPath) ? readJsonFile(cardPath, ModelCardSchema, "Model card") : undefined;
    return {
      name,
      kind: "model" as const,
      spec,
      trainedOn: card?.executors,
      trainStreamSeeds: (card?.training?.trainStreamSeeds as number[] | undefined) ?? [],
    };
  });
}

function checkDisjointFromTraining(infos: CuratorInfo[], seeds: number[], streams: number): void {
  const evalSeeds = new Set(
    seeds.flatMap((seed) => Array.from({ length: streams }, (_, s) => streamSeed(seed, s, "eval"))),
  );
  for (const c of infos) {
    const overlap = (c.trainStreamSeeds ?? []).filter((s) => evalSeeds.has(s));
    if (overlap.length)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Evaluation streams overlap ${c.name}'s training streams (${overlap.length} shared seeds). Choose other --seeds.`,
      );
  }
}

function taskOrderNote(order: TaskOrder, perStream: number, source: string | undefined): string {
  if (order === "disjoint")
    return `tasks of ${source} in successive blocks of ${perStream}, evaluation stream k the k-th block in order (every stream its own tasks; every curator the same)`;
  return `the first ${perStream} tasks of ${source}, ${order === "original" ? "in their original order in every stream" : "each evaluation stream in its own seeded order"}`;
}
