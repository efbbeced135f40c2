/**
 * Domain randomization for worlds: `--world sample[:train|:holdout][@seed=N]` draws one world per stream from the
 * distribution below (docs/domain-randomization.md); the draw for stream s depends only on (seed, region, s), so
 * shards and resumed runs agree. Harness-side settings (curation interval, prices, governance, action effects,
 * recent window) stay at the defaults: they describe the harness, not the world being randomized.
 * The held-out region is procedure drift or popularity shift (or both) faster than anything in training.
 */
import { WorldConfigSchema, type WorldConfig } from "../schemas/world.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { CuratorError } from "../errors.js";
import { Rng } from "../util/rng.js";
import { drawBeyond, drawField, type FieldDist, type HoldoutRange, type Region } from "../util/distributions.js";

export const WORLD_DISTRIBUTION = {
  driftRate: { dist: "log-uniform", lo: 0.005, hi: 0.05 },
  popularityShiftRate: { dist: "log-uniform", lo: 0.005, hi: 0.05 },
  families: { dist: "uniform", lo: 6, hi: 20, integer: true },
  initialActiveFamilies: { dist: "uniform", lo: 2, hi: 8, integer: true },
  initialItems: { dist: "uniform", lo: 0, hi: 24, integer: true },
  retrievalK: { dist: "uniform", lo: 3, hi: 6, integer: true },
  difficultySd: { dist: "uniform", lo: 0.3, hi: 0.8 },
  relevanceNoise: { dist: "uniform", lo: 0.2, hi: 0.5 },
  genericRelevance: { dist: "uniform", lo: 0.4, hi: 0.7 },
  stalePenalty: { dist: "uniform", lo: 0.8, hi: 1.6 },
  wrongPenalty: { dist: "uniform", lo: 1.0, hi: 2.2 },
} as const satisfies Record<string, FieldDist>;

/** Chance that a stream's library is shared by two executors (errors then spread between them). */
export const SHARED_LIBRARY_PROBABILITY = 0.25;

export const WORLD_HOLDOUT = {
  driftRate: { above: [0.05, 0.12] },
  popularityShiftRate: { above: [0.05, 0.12] },
} as const satisfies Record<string, HoldoutRange>;

const REGION_SALT: Record<Region, number> = { train: 0x3071d, holdout: 0x3071e };
const SPEC = /^sample(?::(train|holdout))?(?:@seed=(\d+))?$/;
const SPEC_FORM = "sample[:train|:holdout][@seed=N], e.g. sample, sample@seed=3 or sample:holdout@seed=5";

export interface WorldSampleSpec {
  region: Region;
  seed: number;
}

export const isWorldSampleSpec = (spec: unknown): spec is string =>
  typeof spec === "string" && (spec === "sample" || spec.startsWith("sample:") || spec.startsWith("sample@"));

export function parseWorldSample(spec: string): WorldSampleSpec {
  const m = SPEC.exec(spec.trim());
  if (!m)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Cannot read the world sample spec '${spec}'. Write ${SPEC_FORM} (one world drawn per stream; docs/domain-randomization.md).`,
    );
  return { region: (m[1] as Region | undefined) ?? "train", seed: m[2] === undefined ? 1 : Number(m[2]) };
}

export const formatWorldSample = (s: WorldSampleSpec): string => `sample:${s.region}@seed=${s.seed}`;

/** The fields a draw sets, for stream `streamId`: merged over the default world. */
export function drawWorldFields(s: WorldSampleSpec, streamId: number): Partial<WorldConfig> {
  const rng = new Rng([s.seed, REGION_SALT[s.region], streamId]);
  const D = WORLD_DISTRIBUTION;
  const draw = (d: FieldDist) => drawField(rng, d);
  const families = draw(D.families);
  const w: Partial<WorldConfig> = {
    driftRate: draw(D.driftRate),
    popularityShiftRate: draw(D.popularityShiftRate),
    families,
    initialActiveFamilies: Math.min(families, draw(D.initialActiveFamilies)),
    initialItems: draw(D.initialItems),
    retrievalK: draw(D.retrievalK),
    difficultySd: draw(D.difficultySd),
    relevanceNoise: draw(D.relevanceNoise),
    genericRelevance: draw(D.genericRelevance),
    stalePenalty: draw(D.stalePenalty),
    wrongPenalty: draw(D.wrongPenalty),
    sharedLibrary: rng.bernoulli(SHARED_LIBRARY_PROBABILITY),
  };
  if (s.region === "holdout") {
    const which = rng.int(3); // drift, popularity shift, or both beyond the training range
    if (which !== 1) w.driftRate = drawBeyond(rng, D.driftRate, WORLD_HOLDOUT.driftRate);
    if (which !== 0) w.popularityShiftRate = drawBeyond(rng, D.popularityShiftRate, WORLD_HOLDOUT.popularityShiftRate);
  }
  return w;
}

/** Where a stream's world comes from: one fixed world, or one draw per stream. */
export interface WorldSource {
  /** the fixed world, or the defaults a draw is merged over (what a sampled run's harness settings come from) */
  base: WorldConfig;
  sample?: WorldSampleSpec;
  forStream(streamId: number): WorldConfig;
  /** what the manifest records: the fixed world, or the sampler with every stream's draw */
  record(streamIds: readonly number[]): Record<string, unknown>;
}

export function sampledWorldSource(spec: string, overrides: { curationInterval?: number } = {}): WorldSource {
  const sample = parseWorldSample(spec);
  const name = formatWorldSample(sample);
  const base = WorldConfigSchema.parse({ name, ...overrides });
  return {
    base,
    sample,
    forStream: (id) => WorldConfigSchema.parse({ ...base, ...drawWorldFields(sample, id) }),
    record: (ids) => ({
      ...base,
      sampler: name,
      draws: ids.map((stream) => ({ stream, ...drawWorldFields(sample, stream) })),
    }),
  };
}

export function fixedWorldSource(world: WorldConfig): WorldSource {
  return { base: world, forStream: () => world, record: () => world as unknown as Record<string, unknown> };
}

/**
 * The executors of stream s. A fixed shared world puts all of them on one library (as before); a sampled world
 * that draws a shared library pairs executor s with the next one; otherwise stream s runs executor s mod n.
 */
export function streamExecutors(
  src: WorldSource,
  world: WorldConfig,
  executors: ExecutorProfile[],
  s: number,
): ExecutorProfile[] {
  const n = executors.length;
  if (!world.sharedLibrary) return [executors[s % n]];
  if (!src.sample) return executors;
  if (n < 2)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "A sampled world can draw shared libraries, which need two executors or more: pass at least two in --executors.",
    );
  return [executors[s % n], executors[(s + 1) % n]];
}
