/**
 * Replay evaluation (`curator eval --replay DATASET`): a curator decides real libraries as they stood, and its
 * decisions are scored against what the source shows happened next — the importer's replay labels
 * (rewrittenLater, removedLater, harmful, neverUsed). The labels are proxies, never ground truth.
 *
 * Decision points, the same rule for every source:
 * - Each library is decided in each state (snapshot) that is the LAST state holding some labelled item
 *   version, and in its latest state. Each item version is scored once, in its last state: just before the
 *   source changed or dropped it, or in the latest state if it survived. The whole state is decided together
 *   (so the change cap and the library features see the library as it stood).
 * - A version no snapshot holds (e.g. Voyager's NameV2.js when V3 exists) is decided in a reconstructed
 *   state: the latest state with that version in place of its lineage's (same id before `@vN`).
 * - Usage statistics as of the state: where the source's events list the items in context (Dynamic
 *   Cheatsheet), they are recomputed from the events up to the next state (the outcome answered with this
 *   state included, later ones not), and `now` is that point; otherwise the imported statistics are used
 *   (the importers only store creation rank and rewrite count there, nothing from the future).
 *   Similarity is recomputed within the state.
 *
 * Probabilities for the AUCs come from a pass without change cap; decisions are scored per governance mode.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import type { Action } from "../actions.js";
import { CuratorError } from "../errors.js";
import { resolveExecutor } from "../executors/presets.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import { IMPORTER_VERSION, IMPORT_FORMATS, RECENT_WINDOW, outcomeStats, type ImportFormat, type ReplayLabel, type Snapshot, type TaskEvent } from "../import/types.js";
import { parseJsonl } from "../library/io.js";
import { countActions } from "../library/review.js";
import { decideWithCurator, type Decision } from "../runtime/decide.js";
import { observeLibrary } from "../features/observe.js";
import { FEATURE_NAMES, NUM_FEATURES, featurize } from "../features/featurizer.js";
import { readGraphNormalization } from "../export/inspect.js";
import { resolveCuratorSpec } from "../runtime/spec.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { LibraryItemSchema, type LibraryItem } from "../schemas/item.js";
import { GovernanceSchema, WorldConfigSchema, type Governance } from "../schemas/world.js";
import { parseWith, readJsonFile } from "../util/json-file.js";
import { Rng } from "../util/rng.js";
import { pushAll } from "../util/arrays.js";

export const GOVERNANCE_MODES = {
  default: { rules: DEFAULT_GOVERNANCE, describe: `default governance: at most ${100 * DEFAULT_GOVERNANCE.maxChangeShare}% of a library retired or rewritten per pass` },
  none: { rules: GovernanceSchema.parse({ maxChangeShare: 1 }), describe: "no change cap: every item may be retired or rewritten in one pass" },
} satisfies Record<string, { rules: Governance; describe: string }>;
export type GovernanceMode = keyof typeof GOVERNANCE_MODES;

export const ReplayOptionsSchema = z
  .object({
    datasets: z.array(z.string().min(1)).min(1).describe("`curator import` output folders (each with replay-labels.jsonl)"),
    curators: z.array(z.string().min(1)).min(1).describe("none, random, heuristic or curator .onnx files"),
    executor: z.string().min(1).default("mid").describe("executor preset or profile JSON the libraries are curated for"),
    governance: z.array(z.enum(["default", "none"])).min(1).default(["default", "none"]).describe("change-cap modes to score decisions under"),
    seed: z.number().int().nonnegative().default(0).describe("seed of sampling curators (random); each state gets a seed derived from it"),
  })
  .strict();
export type ReplayOptions = z.input<typeof ReplayOptionsSchema>;

/** Tokens an item keeps when compressed (the world's compress ratio), used for the library-size projection. */
export const COMPRESS_RATIO = WorldConfigSchema.parse({}).compress.ratio;

export const LABEL_KEYS = ["rewrittenLater", "removedLater", "harmful", "neverUsed"] as const;
export type LabelKey = (typeof LABEL_KEYS)[number];
/** The labels a retire decision is scored against, plus their combination. */
export type RetireTarget = Exclude<LabelKey, "rewrittenLater"> | "any";

const Tri = z.boolean().nullable();
const LabelSchema = z.object({ id: z.string(), library: z.string(), inFinal: z.boolean(), rewrittenLater: Tri, removedLater: Tri, harmful: Tri, neverUsed: Tri, evidence: z.record(z.string(), z.unknown()) });
const SnapshotSchema = z.object({ library: z.string(), index: z.number().int(), label: z.string(), taskIndex: z.number().int().nullable(), reconstructed: z.boolean(), itemIds: z.array(z.string()), missingItems: z.number() });
const EventSchema = z.object({ library: z.string(), taskIndex: z.number().int(), outcome: z.enum(["success", "failure", "unknown"]), itemIds: z.array(z.string()).nullable() }).loose();
const ManifestSchema = z.object({ kind: z.literal("curator-import"), format: z.enum(IMPORT_FORMATS), importerVersion: z.string(), source: z.string() }).loose();

export interface ReplayDataset {
  dir: string;
  format: ImportFormat;
  source: string;
  items: Map<string, LibraryItem>;
  snapshots: Snapshot[];
  events: Pick<TaskEvent, "library" | "taskIndex" | "outcome" | "itemIds">[];
  labels: ReplayLabel[];
}

function readLines<S extends z.ZodType>(dir: string, file: string, schema: S): z.output<S>[] {
  const path = join(dir, file);
  if (!existsSync(path))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `'${path}' does not exist: '${dir}' is not a complete \`curator import\` output (replay needs ${file}). Import the source with 'curator import FORMAT PATH --out ${dir}'.`,
    );
  return parseJsonl(readFileSync(path, "utf8"), path, schema).map((r) => r.value);
}

/** Reads an import output folder; refuses a folder without replay labels or from another importer version. */
export function loadReplayDataset(dir: string): ReplayDataset {
  if (!existsSync(dir)) throw new CuratorError("FILE_NOT_FOUND", `Replay dataset '${dir}' does not exist. Pass a folder written by 'curator import'.`);
  const labels = readLines(dir, "replay-labels.jsonl", LabelSchema) as ReplayLabel[];
  const manifest = readJsonFile(join(dir, "manifest.json"), ManifestSchema, "Import manifest");
  if (manifest.importerVersion !== IMPORTER_VERSION)
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${dir}' was written by importer '${manifest.importerVersion}'; this toolkit's importer is '${IMPORTER_VERSION}' and its labels may mean something else. Re-import the source.`,
    );
  const items = new Map(readLines(dir, "items.jsonl", LibraryItemSchema).map((i) => [i.id, i]));
  const snapshots = readLines(dir, "snapshots.jsonl", SnapshotSchema) as Snapshot[];
  const events = readLines(dir, "events.jsonl", EventSchema);
  const dangling = [...labels.map((l) => l.id), ...snapshots.flatMap((s) => s.itemIds)].filter((id) => !items.has(id));
  if (dangling.length)
    throw new CuratorError("INVALID_FILE", `'${join(dir, "items.jsonl")}' lacks ${dangling.length} item(s) that labels or snapshots name (e.g. '${dangling[0]}'). Re-import the source.`);
  return { dir, format: manifest.format, source: manifest.source, items, snapshots, events, labels };
}

/** One library state to decide. */
export interface ReplayState {
  library: string;
  label: string;
  itemIds: string[];
  /** the ids scored in this state (their last state) */
  scored: string[];
  /** the library's latest state (used for the size projection) */
  latest: boolean;
  /** events with taskIndex below this are the evidence; null = use the imported statistics */
  evidenceBefore: number | null;
  taskIndex: number | null;
}

const stem = (id: string): string => id.replace(/@v\d+$/, "");
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && new Set([...a, ...b]).size === a.length;

/** The decision points of every library, per the rule in the file header. */
export function replayStates(d: ReplayDataset): ReplayState[] {
  const out: ReplayState[] = [];
  const libraries = [...new Set([...d.labels.map((l) => l.library), ...d.snapshots.map((s) => s.library)])];
  for (const library of libraries) {
    const snaps = d.snapshots.filter((s) => s.library === library).sort((a, b) => a.index - b.index);
    const events = d.events.filter((e) => e.library === library);
    const logged = events.length > 0 && events.every((e) => e.itemIds !== null) && snaps.every((s) => s.taskIndex !== null);
    const finalIds = d.labels.filter((l) => l.library === library && l.inFinal).map((l) => l.id);
    const states: ReplayState[] = snaps.map((s, k) => ({
      library,
      label: s.label,
      itemIds: s.itemIds,
      scored: [],
      latest: false,
      evidenceBefore: logged ? (k + 1 < snaps.length ? snaps[k + 1].taskIndex! : Number.POSITIVE_INFINITY) : null,
      taskIndex: s.taskIndex,
    }));
    // the final library (library.jsonl) is the last state; it differs from the last snapshot when the source
    // snapshots only what was in context (Dynamic Cheatsheet retrieval runs)
    const last = states.at(-1);
    if (last && sameSet(last.itemIds, finalIds)) last.latest = true;
    else
      states.push({
        library,
        label: "final library (library.jsonl)",
        itemIds: finalIds,
        scored: [],
        latest: true,
        evidenceBefore: logged ? Number.POSITIVE_INFINITY : null,
        taskIndex: last?.taskIndex ?? null,
      });
    const lastHolder = new Map<string, number>();
    states.forEach((s, k) => s.itemIds.forEach((id) => lastHolder.set(id, k)));
    for (const l of d.labels.filter((x) => x.library === library)) {
      const k = lastHolder.get(l.id);
      if (k !== undefined) states[k].scored.push(l.id);
      else
        states.push({
          library,
          label: `reconstructed: ${l.id} in the final library`,
          itemIds: [...finalIds.filter((id) => stem(id) !== stem(l.id)), l.id],
          scored: [l.id],
          latest: false,
          evidenceBefore: null,
          taskIndex: null,
        });
    }
    pushAll(out, states.filter((s) => s.scored.length > 0 || s.latest));
  }
  return out;
}

/** The state's items as the curator sees them: statistics as of the state, similarity left to be recomputed. */
export function stateItems(d: ReplayDataset, s: ReplayState): { items: LibraryItem[]; now: number | undefined } {
  const base = s.itemIds.map((id) => {
    const { similarity: _recomputed, ...item } = d.items.get(id)!;
    return item as LibraryItem;
  });
  if (s.evidenceBefore === null) return { items: base, now: undefined };
  const outcomes = new Map<string, boolean[]>();
  const last = new Map<string, number>();
  let now = s.taskIndex ?? 0;
  for (const e of d.events) {
    if (e.library !== s.library || e.taskIndex >= s.evidenceBefore) continue;
    now = Math.max(now, e.taskIndex);
    for (const st of new Set((e.itemIds ?? []).map(stem))) {
      if (e.outcome !== "unknown") outcomes.set(st, [...(outcomes.get(st) ?? []), e.outcome === "success"]);
      last.set(st, Math.max(last.get(st) ?? -1, e.taskIndex));
    }
  }
  const items = base.map((it) => {
    const st = stem(it.id);
    const os = outcomeStats(outcomes.get(st) ?? []);
    return { ...it, stats: { ...it.stats, ...os, lastRetrievedAt: last.get(st) ?? null } };
  });
  return { items, now };
}

/** Quality of a yes/no flag against a proxy label; null labels are left out and counted. */
export interface FlagScore {
  labelled: number;
  unknown: number;
  positives: number;
  baseRate: number | null;
  flagged: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
}

export function flagScore(labels: readonly (boolean | null)[], flags: readonly boolean[]): FlagScore {
  let labelled = 0, positives = 0, flagged = 0, tp = 0;
  labels.forEach((l, i) => {
    if (l === null) return;
    labelled++;
    if (l) positives++;
    if (flags[i]) flagged++;
    if (l && flags[i]) tp++;
  });
  return {
    labelled,
    unknown: labels.length - labelled,
    positives,
    baseRate: labelled ? positives / labelled : null,
    flagged,
    truePositives: tp,
    precision: flagged ? tp / flagged : null,
    recall: positives ? tp / positives : null,
  };
}

export interface AucScore {
  auc: number | null;
  labelled: number;
  positives: number;
  /** why auc is null */
  reason?: string;
}

/** ROC AUC (Mann–Whitney, ties count half); null when the labelled items hold one class or one score. */
export function rocAuc(labels: readonly (boolean | null)[], scores: readonly number[]): AucScore {
  const rows = labels.flatMap((l, i) => (l === null ? [] : [{ l, s: scores[i] }])).sort((a, b) => a.s - b.s);
  const positives = rows.filter((r) => r.l).length;
  const negatives = rows.length - positives;
  const base = { labelled: rows.length, positives };
  if (!rows.length) return { auc: null, ...base, reason: "no labelled item" };
  if (!positives || !negatives) return { auc: null, ...base, reason: positives ? "every labelled item is positive" : "no labelled item is positive" };
  if (rows[0].s === rows[rows.length - 1].s) return { auc: null, ...base, reason: "the curator gives every item the same probability" };
  let rankSum = 0;
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && rows[j].s === rows[i].s) j++;
    const mid = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (rows[k].l) rankSum += mid;
    i = j;
  }
  return { auc: (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives), ...base };
}

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

export interface Scores {
  scoredItems: number;
  /** label → [true, false, unknown] over the scored item versions */
  labels: Record<LabelKey, [number, number, number]>;
  /** AUCs of the probabilities of the pass without change cap */
  auc: { retire: Record<RetireTarget, AucScore>; rewrite: AucScore; change: AucScore };
  modes: ModeResult[];
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
  capped: Set<string>;
  /** per library: the final library before and after */
  library: Map<string, ModeResult["library"]>;
}

/** A decision point with its items as of the state (stateItems), computed once and shared by every curator. */
interface StateView {
  state: ReplayState;
  items: LibraryItem[];
  now: number | undefined;
}

/** Every state decided by one curator, under each governance mode (always with "none": the AUCs use it). */
async function runPasses(views: readonly StateView[], spec: string, executor: ExecutorProfile, o: z.output<typeof ReplayOptionsSchema>, onState: () => void) {
  const resolved = await resolveCuratorSpec(spec);
  const modes = [...new Set<GovernanceMode>(["none", ...o.governance])];
  const passes = new Map<GovernanceMode, Pass>(modes.map((m) => [m, { decisions: new Map(), capped: new Set(), library: new Map() }]));
  try {
    for (const [k, { state: s, items, now }] of views.entries()) {
      const sample = resolved.needsSampling ? { seed: stateSeed(o.seed, k) } : undefined;
      const scored = new Set(s.scored);
      for (const mode of modes) {
        const p = passes.get(mode)!;
        const r = await decideWithCurator(resolved.curator, resolved.modelHash, items, executor, { now, governance: GOVERNANCE_MODES[mode].rules, sample });
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
function score(labels: readonly ReplayLabel[], known: readonly LabelKey[], passes: Map<GovernanceMode, Pass>, reported: readonly GovernanceMode[], libraries: readonly string[]): Scores {
  const retireKeys = known.filter((k) => k !== "rewrittenLater");
  const col = (k: LabelKey) => labels.map((l) => l[k]);
  const anyRetire = labels.map((l) => anyOf(l, retireKeys));
  const changed = labels.map((l) => anyOf(l, known.filter((k) => k === "rewrittenLater" || k === "removedLater")));
  const probs = labels.map((l) => passes.get("none")!.decisions.get(l.id)!.probs);
  const pRetire = probs.map((p) => p.retire);
  const retireScores = <T>(f: (labels: (boolean | null)[]) => T): Record<RetireTarget, T> => ({
    removedLater: f(col("removedLater")),
    harmful: f(col("harmful")),
    neverUsed: f(col("neverUsed")),
    any: f(anyRetire),
  });
  return {
    scoredItems: labels.length,
    labels: Object.fromEntries(LABEL_KEYS.map((k) => [k, [true, false, null].map((v) => labels.filter((l) => l[k] === v).length)])) as Scores["labels"],
    auc: {
      retire: retireScores((ls) => rocAuc(ls, pRetire)),
      rewrite: rocAuc(col("rewrittenLater"), probs.map((p) => p.rewrite)),
      change: rocAuc(changed, probs.map((p) => p.retire + p.rewrite)),
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
        rewrite: flagScore(col("rewrittenLater"), acts.map((a) => a === "rewrite")),
        change: flagScore(changed, acts.map((a) => a === "retire" || a === "rewrite")),
        library,
      };
    }),
  };
}

/** Mean features of the scored item versions, each observed in the state it is decided in (as the curators see it). */
function scoredFeatureMeans(views: readonly StateView[], executor: ExecutorProfile): number[] {
  const sums = new Float64Array(NUM_FEATURES);
  let n = 0;
  for (const { state: s, items, now } of views) {
    const scored = new Set(s.scored);
    const obs = observeLibrary(items, { executor, now });
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
export async function replayEvaluate(input: ReplayOptions, hooks: { onProgress?: (done: number, total: number, label?: string) => void } = {}): Promise<ReplayResults> {
  const o = parseWith(ReplayOptionsSchema, input, "replay options");
  if (o.curators.includes("oracle")) throw new CuratorError("BAD_ARGUMENT", "The oracle needs the simulator's hidden state; it cannot run on replayed libraries. Drop it from --curators.");
  const executor = resolveExecutor(o.executor);
  const plans = o.datasets.map(loadReplayDataset).map((d) => ({ d, states: replayStates(d) }));
  const total = plans.reduce((a, p) => a + p.states.length, 0) * o.curators.length;
  let done = 0;
  const sources: SourceReplay[] = [];
  for (const { d, states } of plans) {
    const scoredIds = new Set(states.flatMap((s) => s.scored));
    const labels = d.labels.filter((l) => scoredIds.has(l.id));
    const known = LABEL_KEYS.filter((k) => labels.some((l) => l[k] !== null));
    const libraries = [...new Set(states.map((s) => s.library))];
    const views = states.map((state) => ({ state, ...stateItems(d, state) }));
    const featureMeans = scoredFeatureMeans(views, executor);
    const curators: CuratorReplay[] = [];
    for (const spec of o.curators) {
      const { resolved, passes } = await runPasses(views, spec, executor, o, () => hooks.onProgress?.(++done, total, `${d.format} ${spec}`));
      curators.push({
        curator: spec.toLowerCase().endsWith(".onnx") ? basename(spec) : spec,
        spec,
        modelHash: resolved.modelHash,
        sampled: resolved.needsSampling,
        featureShift: featureShift(spec, featureMeans),
        ...score(labels, known, passes, o.governance, libraries),
        byLibrary: libraries.map((library) => ({ library, ...score(labels.filter((l) => l.library === library), known, passes, o.governance, [library]) })),
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
      anyOf: known.filter((k) => k !== "rewrittenLater"),
      featureMeans,
      curators,
    });
  }
  return { kind: "curator-replay", config: { ...o, compressRatio: COMPRESS_RATIO, recentWindow: RECENT_WINDOW }, sources };
}
