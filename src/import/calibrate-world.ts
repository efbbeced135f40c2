/**
 * The simulated side of the calibration card: runs SkillWorld's `default` world with the `none` curator (the
 * library as executors write it, as in the real sources, none of which curate) for each executor preset, and
 * measures the quantities calibrate.ts measures on real libraries, on the same definitions. Pure and
 * deterministic under the seed; writing is in calibrate-report.ts.
 */
import type { Curator } from "../curators/types.js";
import { CuratorError } from "../errors.js";
import { noneCurator } from "../curators/baselines.js";
import { streamSeed } from "../seeds.js";
import { EXECUTOR_PRESETS, resolveExecutor } from "../executors/presets.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { WorldConfig } from "../schemas/world.js";
import { observeWorld } from "../world/observe.js";
import type { OracleContext } from "../world/oracle.js";
import { resolveWorld } from "../world/presets.js";
import { runStream, type StreamRun } from "../world/stream.js";
import type { SimItem } from "../world/item.js";
import type { ItemObservation } from "../features/featurizer.js";
import type { SkillWorld } from "../world/world.js";
import { distribution, r4, type Distribution } from "./calibrate-stats.js";

export const WORLD_CALIBRATION_PRESETS = [
  "weak",
  "mid",
  "strong",
] as const satisfies readonly (keyof typeof EXECUTOR_PRESETS)[];

/** Defaults: the streams `curator eval` runs by default (seed 1, "eval" seed domain, 200 tasks), 8 per preset. */
export const WORLD_CALIBRATION_RUN = { world: "default", seed: 1, streams: 8, tasks: 200 } as const;

export interface WorldRunOptions {
  world?: string;
  seed?: number;
  streams?: number;
  tasks?: number;
}

export interface PresetCalibration {
  executor: string;
  profile: ExecutorProfile;
  /** the preset's meanTokens / contextBudget: how long an item is relative to what the executor can use */
  meanTokensPerBudget: number;
  /** mean live-item tokens at the end of the stream / contextBudget */
  liveTokensPerBudget: number;
  /** live items at the end of each stream (the seeded starting items included), pooled over streams */
  items: number;
  meanLibrarySize: number;
  tokens: Distribution | null;
  /** items the executor wrote during the streams (no seeded items) */
  authoredItems: number;
  authoredTokens: Distribution | null;
  /** live items added per task (with no curation: items authored per task) */
  growthPerTask: number;
  /** tokens added to the library per task */
  tokensAddedPerTask: number;
  /** share of live items whose similarity to another live item of the same library is ≥ the threshold */
  nearDuplicateShare: number;
  meanMaxSimilarity: number;
  /** hidden truth: share of live items that are wrong */
  wrongShare: number;
  authoredWrongShare: number;
  /** errorRate × (0.6 after a success, 1.8 after a failure), averaged over the authored items' tasks */
  expectedAuthoredWrongShare: number;
  /** share of authored items written after a failed task (observable: writtenAfterFailure) */
  writtenAfterFailureShare: number;
  taskFailureShare: number;
  /** obs-v2 content features of the live items, as observed (calibrate.ts contentMeasures on real items) */
  placeholderShare: number;
  shortGenericShare: number;
  meanCoreShare: number;
  calledShare: number;
  meanRelevance: number;
}

export interface WorldCalibration {
  curator: "none";
  seedDomain: "eval";
  seed: number;
  streams: number;
  tasks: number;
  world: WorldConfig;
  presets: PresetCalibration[];
}

const ratio = (k: number, n: number): number => (n > 0 ? r4(k / n) : 0);
const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/**
 * The `none` curator, keeping hold of the stream's world: runStream builds its world internally and returns only
 * task results, but every curation pass hands curators the live world as privileged context, so the object held
 * from the first pass is the library after the last task too.
 */
function watchingNone(): { curator: Curator; world: () => SkillWorld } {
  let world: SkillWorld | undefined;
  const curator: Curator = {
    name: "none",
    probs: (b) => {
      world ??= (b.privileged as OracleContext).world;
      return noneCurator.probs(b);
    },
  };
  return { curator, world: () => world! };
}

interface StreamEnd {
  run: StreamRun;
  world: SkillWorld;
  live: SimItem[];
  maxSimilarity: number[];
  nearDuplicates: number[];
  observed: ItemObservation[];
}

/** One stream of `tasks` tasks with no curation, and its library at the end. */
export async function runUncurated(
  world: WorldConfig,
  executor: ExecutorProfile,
  seed: number,
  tasks: number,
): Promise<StreamEnd> {
  if (tasks <= world.curationInterval)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Calibration streams need more than ${world.curationInterval} tasks (one curation pass).`,
    );
  const watch = watchingNone();
  const run = await runStream({ streamId: 0, seed, world, executors: [executor], tasks }, watch.curator, {
    mode: "argmax",
    horizon: 0,
  });
  const w = watch.world();
  const obs = observeWorld(w).items;
  return {
    run,
    world: w,
    live: w.items,
    maxSimilarity: obs.map((o) => o.maxSimilarity),
    nearDuplicates: obs.map((o) => o.nearDuplicates),
    observed: obs,
  };
}

function measurePreset(name: string, profile: ExecutorProfile, cfg: WorldConfig, ends: StreamEnd[]): PresetCalibration {
  const a = profile.authoring;
  const live = ends.flatMap((e) => e.live);
  const authored = live.filter((it) => it.author >= 0);
  const tasks = ends.flatMap((e) => e.run.tasks);
  const added = ends.reduce((s, e) => s + e.live.length - cfg.initialItems, 0);
  const liveTokens = mean(live.map((it) => it.tokens));
  const observed = ends.flatMap((e) => e.observed);
  return {
    executor: name,
    profile,
    meanTokensPerBudget: r4(a.meanTokens / profile.contextBudget),
    liveTokensPerBudget: r4(liveTokens / profile.contextBudget),
    items: live.length,
    meanLibrarySize: r4(live.length / ends.length),
    tokens: distribution(live.map((it) => it.tokens)),
    authoredItems: authored.length,
    authoredTokens: distribution(authored.map((it) => it.tokens)),
    growthPerTask: ratio(added, tasks.length),
    tokensAddedPerTask: ratio(
      authored.reduce((s, it) => s + it.tokens, 0),
      tasks.length,
    ),
    nearDuplicateShare: ratio(ends.flatMap((e) => e.nearDuplicates).filter((d) => d > 0).length, live.length),
    meanMaxSimilarity: r4(mean(ends.flatMap((e) => e.maxSimilarity))),
    wrongShare: ratio(live.filter((it) => it.wrong).length, live.length),
    authoredWrongShare: ratio(authored.filter((it) => it.wrong).length, authored.length),
    expectedAuthoredWrongShare: r4(
      mean(authored.map((it) => Math.min(1, a.errorRate * (it.writtenAfterFailure ? 1.8 : 0.6)))),
    ),
    writtenAfterFailureShare: ratio(authored.filter((it) => it.writtenAfterFailure).length, authored.length),
    taskFailureShare: ratio(tasks.filter((t) => !t.success).length, tasks.length),
    placeholderShare: ratio(observed.filter((o) => o.placeholder).length, observed.length),
    shortGenericShare: ratio(observed.filter((o) => o.shortGeneric).length, observed.length),
    meanCoreShare: r4(mean(observed.map((o) => o.coreShare))),
    calledShare: ratio(observed.filter((o) => o.referencedBy > 0).length, observed.length),
    meanRelevance: r4(mean(observed.map((o) => o.relevance))),
  };
}

/** Runs every preset in WORLD_CALIBRATION_PRESETS on the same streams and measures each. */
export async function calibrateWorld(opts: WorldRunOptions = {}): Promise<WorldCalibration> {
  const o = { ...WORLD_CALIBRATION_RUN, ...opts };
  const cfg = resolveWorld(o.world);
  const presets: PresetCalibration[] = [];
  for (const name of WORLD_CALIBRATION_PRESETS) {
    const profile = resolveExecutor(name);
    const ends: StreamEnd[] = [];
    for (let s = 0; s < o.streams; s++)
      ends.push(await runUncurated(cfg, profile, streamSeed(o.seed, s, "eval"), o.tasks));
    presets.push(measurePreset(name, profile, cfg, ends));
  }
  return { curator: "none", seedDomain: "eval", seed: o.seed, streams: o.streams, tasks: o.tasks, world: cfg, presets };
}
