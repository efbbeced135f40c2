/**
 * Replay evaluation (`curator eval --replay DATASET`): a curator decides real libraries as they stood, and its
 * decisions are scored against what the source shows happened after each decision point. Loading and the
 * decision points (the leak-free protocol) are in replay-load.ts; this file runs the curators and scores them.
 *
 * Two kinds of label: credited paired uplift (where the source logs usage marks and a same-prompt run without
 * memory: harmful / helpful / dead weight, per item lineage, over the tasks after the decision point) and the
 * proxies (rewritten later, removed later, never used: what the writing agent did next, not whether the item helped).
 * Probabilities for the AUCs come from a pass without change cap; decisions are scored per governance mode.
 */
import { basename } from "node:path";
import { z } from "zod";
import type { Action } from "../actions.js";
import { CuratorError } from "../errors.js";
import { resolveExecutor } from "../executors/presets.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import type { Comparison, CreditedLabel, ImportFormat, ReplayLabel } from "../import/schema.js";
import { RECENT_WINDOW } from "../import/types.js";
import { countActions } from "../library/review.js";
import { decideWithCurator, type Decision } from "../runtime/decide.js";
import { observeLibrary } from "../features/observe.js";
import { executorObservation } from "../features/executor-stats.js";
import type { ExecutorTask } from "../schemas/executor-stats.js";
import { FEATURE_NAMES, NUM_FEATURES, featurize } from "../features/featurizer.js";
import { readGraphNormalization } from "../export/inspect.js";
import { resolveCurator } from "../curators/resolve.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { LibraryItem } from "../schemas/item.js";
import { GovernanceSchema, WorldConfigSchema, type Governance } from "../schemas/world.js";
import { parseWith } from "../util/json-file.js";
import { Rng } from "../util/rng.js";
import { flagScore, mcnemarExactP, rocAuc, type AucScore, type FlagScore } from "./stats.js";
import {
  REPLAY_PROTOCOLS,
  loadReplayDataset,
  replayStates,
  stateItems,
  type CreditedUnit,
  type ReplayState,
} from "./replay-load.js";
import { pushAll } from "../util/arrays.js";

export const GOVERNANCE_MODES = {
  default: {
    rules: DEFAULT_GOVERNANCE,
    describe: `default governance: at most ${100 * DEFAULT_GOVERNANCE.maxChangeShare}% of a library retired or rewritten per pass`,
  },
  none: {
    rules: GovernanceSchema.parse({ maxChangeShare: 1 }),
    describe: "no change cap: every item may be retired or rewritten in one pass",
  },
} satisfies Record<string, { rules: Governance; describe: string }>;
export type GovernanceMode = keyof typeof GOVERNANCE_MODES;

export const ReplayOptionsSchema = z
  .object({
    datasets: z
      .array(z.string().min(1))
      .min(1)
      .describe("`curator import` output folders (each with replay-labels.jsonl)"),
    curators: z.array(z.string().min(1)).min(1).describe("none, random, heuristic or curator .onnx files"),
    executor: z
      .string()
      .min(1)
      .default("mid")
      .describe("executor preset or profile JSON the libraries are curated for"),
    governance: z
      .array(z.enum(["default", "none"]))
      .min(1)
      .default(["default", "none"])
      .describe("change-cap modes to score decisions under"),
    seed: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("seed of sampling curators (random; each state gets a seed derived from it) and of the AUC bootstrap"),
    protocol: z
      .enum(REPLAY_PROTOCOLS)
      .default("leak-free")
      .describe(
        "leak-free: decide each unit before the evidence that defines its label; last-state: the earlier protocol that leaks it (to measure the leak)",
      ),
  })
  .strict();
export type ReplayOptions = z.input<typeof ReplayOptionsSchema>;

/** Tokens an item keeps when compressed (the world's compress ratio), used for the library-size projection. */
export const COMPRESS_RATIO = WorldConfigSchema.parse({}).compress.ratio;

/** The proxy labels replay scores (what the writing agent did next). */
export const LABEL_KEYS = ["rewrittenLater", "removedLater", "neverUsed"] as const;
export type LabelKey = (typeof LABEL_KEYS)[number];
/** The proxies a retire decision is scored against, plus their combination. */
export type RetireTarget = Exclude<LabelKey, "rewrittenLater"> | "any";

/** true if any known label is true, false if all are known false, null otherwise (over the keys the source knows). */
function anyOf(l: ReplayLabel, keys: readonly LabelKey[]): boolean | null {
  if (!keys.length) return null;
  const v = keys.map((k) => l[k]);
  return v.some((x) => x === true) ? true : v.every((x) => x === false) ? false : null;
}

export interface ModeResult {
  governance: GovernanceMode;
  /** decisions over the scored item versions (each once) */
  actions: Record<Action, number>;
  /** scored decisions whose retire/rewrite the change cap withheld */
  capped: number;
  retire: Record<RetireTarget, FlagScore>;
  rewrite: FlagScore;
  /** retire or rewrite vs changed later (rewritten or removed) */
  change: FlagScore;
  /** the final library: [before, after] the curator's pass (retired removed, compressed × COMPRESS_RATIO) */
  library: { items: [number, number]; tokens: [number, number] };
}

/** Scores against the credited labels: one unit per item lineage, decided before the tasks that label it. */
export interface CreditedScores {
  units: number;
  /** label → [true, false] over the units */
  labels: Record<CreditedLabel, [number, number]>;
  /** AUCs (with CI and class counts) of the pass without change cap: P(retire) vs harmful, dead weight, either; P(keep) vs helpful */
  auc: { harmful: AucScore; deadWeight: AucScore; harmfulOrDeadWeight: AucScore; helpfulKeep: AucScore };
  modes: {
    governance: GovernanceMode;
    actions: Record<Action, number>;
    retire: { harmful: FlagScore; deadWeight: FlagScore };
  }[];
}

export interface Scores {
  scoredItems: number;
  /** label → [true, false, unknown] over the scored item versions */
  labels: Record<LabelKey, [number, number, number]>;
  /** AUCs of the probabilities of the pass without change cap */
  auc: { retire: Record<RetireTarget, AucScore>; rewrite: AucScore; change: AucScore };
  modes: ModeResult[];
  /** null where the source has no credited labels (no usage marks or no same-prompt run without memory) */
  credited: CreditedScores | null;
}

/** How far the replayed items' mean feature lies from the training data's, in training standard deviations. */
export interface FeatureShift {
  feature: string;
  replayMean: number;
  trainMean: number;
  trainStd: number;
  z: number;
}

export interface CuratorReplay extends Scores {
  /** For exported models: every feature's shift, largest |z| first (the training stats are in the graph). */
  featureShift?: FeatureShift[];
  curator: string;
  spec: string;
  modelHash: string;
  sampled: boolean;
  byLibrary: (Scores & { library: string })[];
}

export interface SourceReplay {
  dataset: string;
  format: ImportFormat;
  source: string;
  libraries: string[];
  states: number;
  reconstructedStates: number;
  statsFromEvents: boolean;
  /** run-level comparisons (paired uplift with McNemar's exact p; the noise floor between two no-memory runs) */
  comparisons: (Comparison & { mcnemarP: number })[];
  /** labels that `any` (retire) combines: those the source knows for at least one scored item */
  anyOf: LabelKey[];
  /** Mean of each feature (FEATURE_NAMES order) over the scored item versions, each in its decision state. */
  featureMeans: number[];
  curators: CuratorReplay[];
}

export interface ReplayResults {
  kind: "curator-replay";
  config: z.output<typeof ReplayOptionsSchema> & { compressRatio: number; recentWindow: number };
  sources: SourceReplay[];
}

/** A per-state seed from the run seed and the state's position: same seed, same draws. */
const stateSeed = (seed: number, state: number): number => new Rng([seed, state]).nextU32();

interface Pass {
  decisions: Map<string, Decision>;
  /** credited units' decisions, by lineage */
  credited: Map<string, Decision>;
  capped: Set<string>;
  /** per library: the final library before and after */
  library: Map<string, ModeResult["library"]>;
}

/** A decision point with its items as of the state (stateItems), computed once and shared by every curator. */
interface StateView {
  state: ReplayState;
  items: LibraryItem[];
  now: number | undefined;
  recentTasks: string[];
  executorTasks: ExecutorTask[];
}

/** Every state decided by one curator, under each governance mode (always with "none": the AUCs use it). */
async function runPasses(
  views: readonly StateView[],
  spec: string,
  executor: ExecutorProfile,
  o: z.output<typeof ReplayOptionsSchema>,
  onState: () => void,
) {
  const resolved = await resolveCurator(spec);
  const modes = [...new Set<GovernanceMode>(["none", ...o.governance])];
  const passes = new Map<GovernanceMode, Pass>(
    modes.map((m) => [m, { decisions: new Map(), credited: new Map(), capped: new Set(), library: new Map() }]),
  );
  try {
    for (const [k, { state: s, items, now, recentTasks, executorTasks }] of views.entries()) {
      // the executor's statistics from its logged tasks (as collection folds them); none logged: the fallbacks
      const executorStats = executorTasks.length
        ? executorObservation({ contextBudget: executor.contextBudget, tasks: executorTasks })
        : undefined;
      const sample = resolved.curator.stochastic === true ? { seed: stateSeed(o.seed, k) } : undefined;
      const scored = new Set(s.scored);
      for (const mode of modes) {
        const p = passes.get(mode)!;
        const r = await decideWithCurator(resolved.curator, resolved.modelHash, items, executor, {
          now,
          recentTasks,
          executorStats,
          governance: GOVERNANCE_MODES[mode].rules,
          sample,
          // replay scores the curator's judgement; decide's structural rules are scored by the expert battery
          structuralRules: false,
        });
        const byId = new Map(r.decisions.map((dec) => [dec.id, dec]));
        for (const u of s.credited) p.credited.set(u.lineage, byId.get(u.id)!);
        for (const dec of r.decisions) {
          if (!scored.has(dec.id)) continue;
          p.decisions.set(dec.id, dec);
          // only the change cap leaves keep + compress allowed (a pinned item is left keep alone)
          if (!dec.allowed.includes("rewrite") && dec.allowed.length > 1) p.capped.add(dec.id);
        }
        if (!s.latest) continue;
        const lib: ModeResult["library"] = { items: [items.length, 0], tokens: [0, 0] };
        items.forEach((it, i) => {
          const a = r.decisions[i].action;
          const t = it.tokens ?? 0;
          lib.tokens[0] += t;
          lib.items[1] += a === "retire" ? 0 : 1;
          lib.tokens[1] += a === "retire" ? 0 : a === "compress" ? COMPRESS_RATIO * t : t;
        });
        lib.tokens[1] = Math.round(10 * lib.tokens[1]) / 10;
        p.library.set(s.library, lib);
      }
      onState();
    }
  } finally {
    await resolved.curator.dispose?.();
  }
  return { resolved, passes };
}

/** Scores one set of labelled item versions (a source, or one of its libraries) against the passes. */
function creditedScores(
  units: readonly CreditedUnit[],
  passes: Map<GovernanceMode, Pass>,
  reported: readonly GovernanceMode[],
  seed: number,
): CreditedScores | null {
  if (!units.length) return null;
  const probs = units.map((u) => passes.get("none")!.credited.get(u.lineage)!.probs);
  const pRetire = probs.map((p) => p.retire);
  const col = (k: CreditedLabel) => units.map((u) => u[k]);
  const count = (k: CreditedLabel): [number, number] => [
    units.filter((u) => u[k]).length,
    units.filter((u) => !u[k]).length,
  ];
  return {
    units: units.length,
    labels: { harmful: count("harmful"), helpful: count("helpful"), deadWeight: count("deadWeight") },
    auc: {
      harmful: rocAuc(col("harmful"), pRetire, { seed }),
      deadWeight: rocAuc(col("deadWeight"), pRetire, { seed }),
      harmfulOrDeadWeight: rocAuc(
        units.map((u) => u.harmful || u.deadWeight),
        pRetire,
        { seed },
      ),
      helpfulKeep: rocAuc(
        col("helpful"),
        probs.map((p) => p.keep),
        { seed },
      ),
    },
    modes: reported.map((mode) => {
      const decisions = units.map((u) => passes.get(mode)!.credited.get(u.lineage)!);
      const retired = decisions.map((d) => d.action === "retire");
      return {
        governance: mode,
        actions: countActions(decisions),
        retire: { harmful: flagScore(col("harmful"), retired), deadWeight: flagScore(col("deadWeight"), retired) },
      };
    }),
  };
}

/** Scores one set of labelled units (a source, or one of its libraries) against the passes. */
function score(
  labels: readonly ReplayLabel[],
  units: readonly CreditedUnit[],
  known: readonly LabelKey[],
  passes: Map<GovernanceMode, Pass>,
  reported: readonly GovernanceMode[],
  libraries: readonly string[],
  seed: number,
): Scores {
  const retireKeys = known.filter((k) => k !== "rewrittenLater");
  const col = (k: LabelKey) => labels.map((l) => l[k]);
  const anyRetire = labels.map((l) => anyOf(l, retireKeys));
  const changed = labels.map((l) =>
    anyOf(
      l,
      known.filter((k) => k === "rewrittenLater" || k === "removedLater"),
    ),
  );
  const probs = labels.map((l) => passes.get("none")!.decisions.get(l.id)!.probs);
  const pRetire = probs.map((p) => p.retire);
  const retireScores = <T>(f: (labels: (boolean | null)[]) => T): Record<RetireTarget, T> => ({
    removedLater: f(col("removedLater")),
    neverUsed: f(col("neverUsed")),
    any: f(anyRetire),
  });
  return {
    scoredItems: labels.length,
    labels: Object.fromEntries(
      LABEL_KEYS.map((k) => [k, [true, false, null].map((v) => labels.filter((l) => l[k] === v).length)]),
    ) as Scores["labels"],
    auc: {
      retire: retireScores((ls) => rocAuc(ls, pRetire, { seed })),
      rewrite: rocAuc(
        col("rewrittenLater"),
        probs.map((p) => p.rewrite),
        { seed },
      ),
      change: rocAuc(
        changed,
        probs.map((p) => p.retire + p.rewrite),
        { seed },
      ),
    },
    modes: reported.map((mode) => {
      const p = passes.get(mode)!;
      const decisions = labels.map((l) => p.decisions.get(l.id)!);
      const acts = decisions.map((d) => d.action);
      const retired = acts.map((a) => a === "retire");
      const library: ModeResult["library"] = { items: [0, 0], tokens: [0, 0] };
      for (const name of libraries) {
        const x = p.library.get(name);
        for (const k of [0, 1]) {
          library.items[k] += x?.items[k] ?? 0;
          library.tokens[k] = Math.round(10 * (library.tokens[k] + (x?.tokens[k] ?? 0))) / 10;
        }
      }
      return {
        governance: mode,
        actions: countActions(decisions),
        capped: labels.filter((l) => p.capped.has(l.id)).length,
        retire: retireScores((ls) => flagScore(ls, retired)),
        rewrite: flagScore(
          col("rewrittenLater"),
          acts.map((a) => a === "rewrite"),
        ),
        change: flagScore(
          changed,
          acts.map((a) => a === "retire" || a === "rewrite"),
        ),
        library,
      };
    }),
    credited: creditedScores(units, passes, reported, seed),
  };
}

/** Mean features of the scored item versions, each observed in the state it is decided in (as the curators see it). */
function scoredFeatureMeans(views: readonly StateView[], executor: ExecutorProfile): number[] {
  const sums = new Float64Array(NUM_FEATURES);
  let n = 0;
  for (const { state: s, items, now, recentTasks, executorTasks } of views) {
    const scored = new Set(s.scored);
    const executorStats = executorTasks.length
      ? executorObservation({ contextBudget: executor.contextBudget, tasks: executorTasks })
      : undefined;
    const obs = observeLibrary(items, { executor, now, recentTasks, executorStats });
    const f = featurize(obs.observations, obs.executor, obs.library);
    items.forEach((it, i) => {
      if (!scored.has(it.id)) return;
      for (let j = 0; j < NUM_FEATURES; j++) sums[j] += f[i * NUM_FEATURES + j];
      n++;
    });
  }
  return Array.from(sums, (x) => (n ? Math.round((x / n) * 1e4) / 1e4 : 0));
}

function featureShift(spec: string, means: readonly number[]): FeatureShift[] | undefined {
  const norm = spec.toLowerCase().endsWith(".onnx") ? readGraphNormalization(spec) : null;
  if (!norm || norm.mean.length !== NUM_FEATURES) return undefined;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return FEATURE_NAMES.map((feature, j) => ({
    feature,
    replayMean: means[j],
    trainMean: r4(norm.mean[j]),
    trainStd: r4(norm.std[j]),
    z: Math.round(((means[j] - norm.mean[j]) / norm.std[j]) * 100) / 100,
  })).sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.feature.localeCompare(b.feature));
}

/** Runs every curator over every dataset's decision points and scores the decisions against the proxy labels. */
export async function replayEvaluate(
  input: ReplayOptions,
  hooks: { onProgress?: (done: number, total: number, label?: string) => void } = {},
): Promise<ReplayResults> {
  const o = parseWith(ReplayOptionsSchema, input, "replay options");
  if (o.curators.includes("oracle"))
    throw new CuratorError(
      "BAD_ARGUMENT",
      "The oracle needs the simulator's hidden state; it cannot run on replayed libraries. Drop it from --curators.",
    );
  const executor = resolveExecutor(o.executor);
  const plans = o.datasets.map(loadReplayDataset).map((d) => ({ d, states: replayStates(d, o.protocol) }));
  const total = plans.reduce((a, p) => a + p.states.length, 0) * o.curators.length;
  let done = 0;
  const sources: SourceReplay[] = [];
  for (const { d, states } of plans) {
    const scoredIds = new Set(states.flatMap((s) => s.scored));
    const labels = d.labels.filter((l) => scoredIds.has(l.id));
    const known = LABEL_KEYS.filter((k) => labels.some((l) => l[k] !== null));
    const units = states.flatMap((s) => s.credited);
    const libraries = [...new Set(states.map((s) => s.library))];
    const views = states.map((state) => ({ state, ...stateItems(d, state) }));
    const featureMeans = scoredFeatureMeans(views, executor);
    const curators: CuratorReplay[] = [];
    for (const spec of o.curators) {
      const { resolved, passes } = await runPasses(views, spec, executor, o, () =>
        hooks.onProgress?.(++done, total, `${d.format} ${spec}`),
      );
      curators.push({
        curator: spec.toLowerCase().endsWith(".onnx") ? basename(spec) : spec,
        spec,
        modelHash: resolved.modelHash,
        sampled: resolved.curator.stochastic === true,
        featureShift: featureShift(spec, featureMeans),
        ...score(labels, units, known, passes, o.governance, libraries, o.seed),
        byLibrary: libraries.map((library) => ({
          library,
          ...score(
            labels.filter((l) => l.library === library),
            units.filter((u) => u.library === library),
            known,
            passes,
            o.governance,
            [library],
            o.seed,
          ),
        })),
      });
    }
    sources.push({
      dataset: d.dir,
      format: d.format,
      source: d.source,
      libraries,
      states: states.length,
      reconstructedStates: states.filter((s) => s.label.startsWith("reconstructed")).length,
      statsFromEvents: states.some((s) => s.evidenceBefore !== null),
      comparisons: d.comparisons.map((c) => ({ ...c, mcnemarP: mcnemarExactP(c.aOnly, c.bOnly) })),
      anyOf: known.filter((k) => k !== "rewrittenLater"),
      featureMeans,
      curators,
    });
  }
  return {
    kind: "curator-replay",
    config: { ...o, compressRatio: COMPRESS_RATIO, recentWindow: RECENT_WINDOW },
    sources,
  };
}
