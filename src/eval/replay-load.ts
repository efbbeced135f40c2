/**
 * Replay input: reads a `curator import` folder back (with the import format's own schemas) and lays out the
 * decision points — which library state each scored unit is decided in, with which evidence, and which label
 * it is scored against.
 *
 * The protocol (`leak-free`, the default): a curator decides each unit on the library state BEFORE the evidence
 * that defines its label, and the unit is scored only on what happens after.
 * - A state is the library as it stood before its task; the usage statistics it shows count only the events
 *   of earlier tasks (where the source lists the items in context per task), never the state's own task.
 * - Credited units (one per item lineage, where the source logs usage marks and a same-prompt no-memory run):
 *   the lineage's in-context tasks with a known paired outcome are split in half; the lineage is decided in the
 *   state before the first task of the second half, and labelled by the credits of that second half only.
 * - Proxy units (one per item version): decided in the last state that holds the version, before the agent's
 *   next edit that defines the proxy.
 * `last-state` is the earlier, leaky protocol, kept to measure the leak: a state's statistics include its own
 * task's outcome, and a lineage is decided in its last in-context state against the credits of its whole life.
 */
import { pushAll } from "../util/arrays.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { CuratorError } from "../errors.js";
import {
  ComparisonSchema,
  ImportManifestHeadSchema,
  ReplayLabelSchema,
  SnapshotSchema,
  TaskEventSchema,
  type Comparison,
  type ImportFormat,
  type ReplayLabel,
  type Snapshot,
  type TaskEvent,
} from "../import/schema.js";
import { IMPORTER_VERSION, outcomeStats } from "../import/types.js";
import { RECENT_TASKS } from "../features/content.js";
import type { ExecutorTask } from "../schemas/executor-stats.js";
import { countTokens } from "../text/tokens.js";
import { parseJsonl } from "../library/io.js";
import { LibraryItemSchema, type LibraryItem } from "../schemas/item.js";
import { readJsonFile } from "../util/json-file.js";

export const REPLAY_PROTOCOLS = ["leak-free", "last-state"] as const;
export type ReplayProtocol = (typeof REPLAY_PROTOCOLS)[number];

/** In context for at least this many labelled tasks with no credit: dead weight (as the importer's label). */
export const DEAD_WEIGHT_MIN_CONTEXTS = 3;

export interface ReplayDataset {
  dir: string;
  format: ImportFormat;
  source: string;
  items: Map<string, LibraryItem>;
  snapshots: Snapshot[];
  events: TaskEvent[];
  labels: ReplayLabel[];
  comparisons: Comparison[];
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
  if (!existsSync(dir))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Replay dataset '${dir}' does not exist. Pass a folder written by 'curator import'.`,
    );
  const labels = readLines(dir, "replay-labels.jsonl", ReplayLabelSchema);
  const manifest = readJsonFile(join(dir, "manifest.json"), ImportManifestHeadSchema, "Import manifest");
  if (manifest.importerVersion !== IMPORTER_VERSION)
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${dir}' was written by importer '${manifest.importerVersion}'; this toolkit's importer is '${IMPORTER_VERSION}' and its labels may mean something else. Re-import the source.`,
    );
  const items = new Map(readLines(dir, "items.jsonl", LibraryItemSchema).map((i) => [i.id, i]));
  const snapshots = readLines(dir, "snapshots.jsonl", SnapshotSchema);
  const events = readLines(dir, "events.jsonl", TaskEventSchema);
  const comparisons = readLines(dir, "comparisons.jsonl", ComparisonSchema);
  const dangling = [...labels.map((l) => l.id), ...snapshots.flatMap((s) => s.itemIds)].filter((id) => !items.has(id));
  if (dangling.length)
    throw new CuratorError(
      "INVALID_FILE",
      `'${join(dir, "items.jsonl")}' lacks ${dangling.length} item(s) that labels or snapshots name (e.g. '${dangling[0]}'). Re-import the source.`,
    );
  return { dir, format: manifest.format, source: manifest.source, items, snapshots, events, labels, comparisons };
}

/** The credited labels of one lineage over its label window (the tasks after its decision point). */
export interface CreditedUnit {
  /** the version decided (the one in context at the decision point) */
  id: string;
  lineage: string;
  library: string;
  uplift: number;
  harmful: boolean;
  helpful: boolean;
  deadWeight: boolean;
  /** in-context tasks with a known paired outcome: before the decision point (evidence) and after (label) */
  evidenceTasks: number;
  labelTasks: number;
}

/** One library state to decide. */
export interface ReplayState {
  library: string;
  label: string;
  itemIds: string[];
  /** the ids scored against the proxy labels in this state (each version's last state) */
  scored: string[];
  /** the ids scored against credited labels in this state (one per lineage) */
  credited: CreditedUnit[];
  /** the library's latest state (used for the size projection) */
  latest: boolean;
  /** events with taskIndex below this are the evidence; null = use the imported statistics */
  evidenceBefore: number | null;
  taskIndex: number | null;
}

export const lineageOf = (id: string): string => id.replace(/@v\d+$/, "");
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && new Set([...a, ...b]).size === a.length;
const known = (o: TaskEvent["outcome"] | null | undefined): o is "success" | "failure" =>
  o === "success" || o === "failure";

/** A library whose events list the items in context, the items marked used and a same-prompt reference outcome. */
function creditable(events: readonly TaskEvent[]): boolean {
  return (
    events.length > 0 &&
    events.every((e) => e.itemIds !== null && Array.isArray(e.usedItemIds)) &&
    events.some((e) => e.referenceOutcome !== undefined && e.referenceOutcome !== null)
  );
}

/**
 * The credited units of one library: per lineage, its in-context tasks with a known paired outcome, the
 * decision task, and the credits after it (see the file header for both protocols).
 */
export function creditedUnits(
  events: readonly TaskEvent[],
  protocol: ReplayProtocol,
): { task: number; unit: CreditedUnit }[] {
  if (!creditable(events)) return [];
  const tasks = events
    .filter((e) => known(e.outcome) && known(e.referenceOutcome))
    .sort((a, b) => a.taskIndex - b.taskIndex);
  const byLineage = new Map<string, { e: TaskEvent; id: string; used: boolean }[]>();
  for (const e of tasks) {
    const used = new Set((e.usedItemIds ?? []).map(lineageOf));
    for (const id of e.itemIds ?? []) {
      const l = lineageOf(id);
      byLineage.set(l, [...(byLineage.get(l) ?? []), { e, id, used: used.has(l) }]);
    }
  }
  const out: { task: number; unit: CreditedUnit }[] = [];
  for (const [lineage, seen] of byLineage) {
    const split = protocol === "leak-free" ? Math.floor(seen.length / 2) : seen.length - 1;
    const window = protocol === "leak-free" ? seen.slice(split) : seen;
    const d = (e: TaskEvent) => Number(e.outcome === "success") - Number(e.referenceOutcome === "success");
    const uplift = window.filter((x) => x.used).reduce((a, x) => a + d(x.e), 0);
    out.push({
      task: seen[split].e.taskIndex,
      unit: {
        id: seen[split].id,
        lineage,
        library: seen[split].e.library,
        uplift,
        harmful: uplift < 0,
        helpful: uplift > 0,
        deadWeight: window.length >= DEAD_WEIGHT_MIN_CONTEXTS && !window.some((x) => x.used),
        evidenceTasks: protocol === "leak-free" ? split : seen.length,
        labelTasks: window.length,
      },
    });
  }
  return out;
}

/** The decision points of every library, per the protocol in the file header. */
export function replayStates(d: ReplayDataset, protocol: ReplayProtocol = "leak-free"): ReplayState[] {
  const out: ReplayState[] = [];
  const libraries = [...new Set([...d.labels.map((l) => l.library), ...d.snapshots.map((s) => s.library)])];
  for (const library of libraries) {
    const snaps = d.snapshots.filter((s) => s.library === library).sort((a, b) => a.index - b.index);
    const events = d.events.filter((e) => e.library === library);
    const logged =
      events.length > 0 && events.every((e) => e.itemIds !== null) && snaps.every((s) => s.taskIndex !== null);
    const finalIds = d.labels.filter((l) => l.library === library && l.inFinal).map((l) => l.id);
    const evidenceBefore = (k: number): number | null => {
      if (!logged) return null;
      if (protocol === "leak-free") return snaps[k].taskIndex!;
      return k + 1 < snaps.length ? snaps[k + 1].taskIndex! : Number.POSITIVE_INFINITY;
    };
    const states: ReplayState[] = snaps.map((s, k) => ({
      library,
      label: s.label,
      itemIds: s.itemIds,
      scored: [],
      credited: [],
      latest: false,
      evidenceBefore: evidenceBefore(k),
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
        credited: [],
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
          itemIds: [...finalIds.filter((id) => lineageOf(id) !== lineageOf(l.id)), l.id],
          scored: [l.id],
          credited: [],
          latest: false,
          evidenceBefore: null,
          taskIndex: null,
        });
    }
    for (const { task, unit } of creditedUnits(events, protocol)) {
      const s = states.find(
        (x) => x.taskIndex === task && x.itemIds.includes(unit.id) && !x.label.startsWith("reconstructed"),
      );
      if (s) s.credited.push(unit);
    }
    pushAll(
      out,
      states.filter((s) => s.scored.length > 0 || s.credited.length > 0 || s.latest),
    );
  }
  return out;
}

/** A task's text: the question the source logged (Dynamic Cheatsheet keeps it in `detail.question`), else its name. */
const taskText = (e: TaskEvent): string => (typeof e.detail.question === "string" ? e.detail.question : e.task);

/**
 * The texts of the library's tasks before the state (oldest first, at most RECENT_TASKS): what the executor saw
 * arriving. Sources whose snapshots carry no task index give none (relevance unknown).
 */
function recentTaskTexts(d: ReplayDataset, s: ReplayState): string[] {
  const before = s.evidenceBefore ?? s.taskIndex;
  if (before === null) return [];
  return d.events
    .filter((e) => e.library === s.library && e.taskIndex < before)
    .sort((a, b) => a.taskIndex - b.taskIndex)
    .slice(-RECENT_TASKS)
    .map(taskText);
}

/** The state's items as the curator sees them: statistics as of the state, similarity left to be recomputed. */
export function stateItems(
  d: ReplayDataset,
  s: ReplayState,
): { items: LibraryItem[]; now: number | undefined; recentTasks: string[]; executorTasks: ExecutorTask[] } {
  const base = s.itemIds.map((id) => {
    const { similarity: _recomputed, ...item } = d.items.get(id)!;
    return item as LibraryItem;
  });
  const recentTasks = recentTaskTexts(d, s);
  if (s.evidenceBefore === null) return { items: base, now: undefined, recentTasks, executorTasks: [] };
  // the executor's own task history (success, tokens of items in context), folded as every collector folds it
  const executorTasks: ExecutorTask[] = [];
  const outcomes = new Map<string, boolean[]>();
  const last = new Map<string, number>();
  let now = s.taskIndex ?? 0;
  for (const e of d.events) {
    if (e.library !== s.library || e.taskIndex >= s.evidenceBefore) continue;
    now = Math.max(now, e.taskIndex + 1); // the decision comes before the next task (observe.ts defaultNow)
    if (e.outcome !== "unknown")
      executorTasks.push({
        success: e.outcome === "success",
        contextTokens: (e.itemIds ?? []).reduce((t, id) => t + tokensOf(d.items.get(id)), 0),
      });
    for (const st of new Set((e.itemIds ?? []).map(lineageOf))) {
      if (e.outcome !== "unknown") outcomes.set(st, [...(outcomes.get(st) ?? []), e.outcome === "success"]);
      last.set(st, Math.max(last.get(st) ?? -1, e.taskIndex));
    }
  }
  const items = base.map((it) => {
    const st = lineageOf(it.id);
    const os = outcomeStats(outcomes.get(st) ?? []);
    return { ...it, stats: { ...it.stats, ...os, lastRetrievedAt: last.get(st) ?? null } };
  });
  return { items, now, recentTasks, executorTasks };
}

const tokensOf = (it: LibraryItem | undefined): number => (it ? (it.tokens ?? countTokens(it.content)) : 0);
