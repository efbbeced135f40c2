/**
 * `curator eval`: every curator runs on the same evaluation streams (paired comparison) for every executor;
 * streams come from the "eval" seed domain, disjoint from any collected training stream.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { resolveWorld } from "../world/presets.js";
import { resolveExecutorEntry } from "../executors/presets.js";
import { isSampleSpec } from "../executors/sampler.js";
import { runStream } from "../world/stream.js";
import { resolveCurator } from "../curators/resolve.js";
import type { Curator } from "../curators/types.js";
import { streamSeed } from "../seeds.js";
import { parseWith, readJsonFile } from "../util/json-file.js";
import { CuratorError } from "../errors.js";
import { ModelCardSchema } from "../schemas/card.js";
import { RewardConfigSchema } from "../reward.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { summarize, type UnitRecord, type EvalResults, type CuratorInfo } from "./summarize.js";

export const EvalOptionsSchema = z
  .object({
    curators: z
      .array(z.string().min(1))
      .min(1)
      .describe("curators to compare: baseline names (none, random, heuristic, oracle), .onnx files or model folders; none, heuristic and oracle are always added as references"),
    names: z.array(z.string().min(1)).optional().describe("display names for the curators, in the same order"),
    executors: z
      .array(z.string().min(1))
      .min(1)
      .describe("executor presets (weak, mid, strong, …), profile JSON files, or sample:COUNT[:holdout][@seed=N] (each draw reported, plus one row over all draws)"),
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
  })
  .strict();
export type EvalOptions = z.input<typeof EvalOptionsSchema>;

/** Reference curators always evaluated, so uplift shares and paired tests have their anchors. */
const REFERENCES = ["none", "heuristic", "oracle"];

export async function evaluate(
  input: EvalOptions,
  hooks: { onProgress?: (done: number, total: number, label?: string) => void } = {},
): Promise<EvalResults> {
  const o = parseWith(EvalOptionsSchema, input, "eval options");
  const world = resolveWorld(o.world);
  const entries = o.executors.map((spec) => ({ spec, profiles: resolveExecutorEntry(spec) }));
  const profiles = entries.flatMap((e) => e.profiles);
  const names = profiles.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new CuratorError("BAD_ARGUMENT", `--executors names the executor '${dup}' twice; each backbone is evaluated once.`);
  const specs = [...o.curators, ...REFERENCES.filter((r) => !o.curators.includes(r))];
  const infos = curatorInfos(specs, o.names);
  const curators: Curator[] = [];
  for (const s of specs) curators.push((await resolveCurator(s, { simulator: true, reward: { costWeight: o.costWeight } })).curator);
  checkDisjointFromTraining(infos, o.seeds, o.streams);

  const groups: ExecutorProfile[][] = world.sharedLibrary ? [profiles] : profiles.map((p) => [p]);
  const horizon = 2 * world.curationInterval;
  const units: UnitRecord[] = [];
  const total = curators.length * groups.length * o.seeds.length * o.streams;
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
  for (const c of curators) await c.dispose?.();
  const res = summarize(units, infos, { ...o, world: world.name, horizon });
  if (!world.sharedLibrary)
    for (const e of entries.filter((x) => isSampleSpec(x.spec) && x.profiles.length > 1)) {
      const drawNames = new Set(e.profiles.map((p) => p.name));
      for (const r of res.results) if (drawNames.has(r.executor)) r.drawOf = e.spec;
      res.results.push(...aggregateRows(units, infos, e.spec, e.profiles, o.bucket));
    }
  return res;
}

/**
 * One row per curator over all draws of a sample spec, named by the spec: success and cost pooled over every
 * draw's streams, the oracle-uplift share as the pooled gap closed (paired by draw, seed and stream).
 */
function aggregateRows(units: UnitRecord[], infos: CuratorInfo[], spec: string, draws: ExecutorProfile[], bucket: number) {
  const names = new Set(draws.map((p) => p.name));
  const pooled = units.filter((u) => names.has(u.executor)).map((u) => ({ ...u, executor: spec }));
  return summarize(pooled, infos, { bucket }).results.map((r) => ({ ...r, draws: draws.length }));
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
  const evalSeeds = new Set(seeds.flatMap((seed) => Array.from({ length: streams }, (_, s) => streamSeed(seed, s, "eval"))));
  for (const c of infos) {
    const overlap = (c.trainStreamSeeds ?? []).filter((s) => evalSeeds.has(s));
    if (overlap.length)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Evaluation streams overlap ${c.name}'s training streams (${overlap.length} shared seeds). Choose other --seeds.`,
      );
  }
}
