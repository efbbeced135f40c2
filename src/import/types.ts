/**
 * The shape every importer returns, before tokens and similarity are filled in and the output folder is
 * written (see write.ts for the files and their line formats).
 */
import type { ItemStats } from "../schemas/item.js";
import type { ImportContext } from "./context.js";

export const IMPORT_FORMATS = ["voyager", "dynamic-cheatsheet", "ace-playbook", "agent-s", "tau-bench"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Bump when any importer changes what it writes for the same input. Recorded in every manifest. */
export const IMPORTER_VERSION = "import-v2";

/** Retrievals counted in `recentSuccesses` / `recentFailures` (the world's default `recentWindow`). */
export const RECENT_WINDOW = 6;

/** One version of one item, as found in the source. */
export interface SourceItem {
  /** unique across the whole import; superseded versions carry an `@vN` suffix */
  id: string;
  /** the sub-library (run, checkpoint, memory file) the item belongs to; similarity is computed within it */
  library: string;
  kind: "skill" | "context";
  content: string;
  author?: string;
  tags?: string[];
  stats?: ItemStats;
  meta?: Record<string, unknown>;
  /** part of the library's latest state (written to library.jsonl) */
  final: boolean;
}

/** The live item ids of one library at one point in time. */
export interface Snapshot {
  library: string;
  /** 0-based position in the library's history */
  index: number;
  label: string;
  /** task / question index the snapshot was taken at, null when the source does not say */
  taskIndex: number | null;
  /** true when the point in time is inferred (e.g. Voyager's first versions), not stored by the source */
  reconstructed: boolean;
  itemIds: string[];
  /** items the source names at this point whose text it never stored */
  missingItems: number;
}

export type Outcome = "success" | "failure" | "unknown";

/** One task (question, attempt, trajectory) with its outcome. */
export interface TaskEvent {
  library: string;
  taskIndex: number;
  task: string;
  outcome: Outcome;
  /** how the outcome was established (e.g. "answer == target", "reward", "inferred from attempt order") */
  outcomeBasis: string;
  /** items in context for this task, null when the source does not record it */
  itemIds: string[] | null;
  detail: Record<string, unknown>;
}

/**
 * Proxy labels for replay evaluation, per item id (every version). Each is true/false where the source shows
 * what happened next, null where it cannot know. They are proxies for "should have been rewritten/retired".
 */
export interface ReplayLabel {
  id: string;
  library: string;
  /** in the library's latest state */
  inFinal: boolean;
  /** a later version of the same item exists (Voyager NameV2.js, a changed cheatsheet entry) */
  rewrittenLater: boolean | null;
  /** the item disappears from the library before its latest state */
  removedLater: boolean | null;
  /** in context when the memory run got a question wrong that the no-memory run got right */
  harmful: boolean | null;
  /** never used by the source's own account (never reused / called / counted) */
  neverUsed: boolean | null;
  /** the numbers behind the labels */
  evidence: Record<string, unknown>;
}

export interface ImportParts {
  items: SourceItem[];
  snapshots: Snapshot[];
  events: TaskEvent[];
  labels: ReplayLabel[];
  /** short statements about how this source was read (what a field means, what was inferred) */
  notes: string[];
}

/** An importer's empty result, with the notes on how it reads its source. */
export function emptyParts(notes: string[]): ImportParts {
  return { items: [], snapshots: [], events: [], labels: [], notes };
}

/**
 * Id of version `v` (0-based) of an item: `base` for the text in the library's latest state, `base@v{v+1}` for
 * a superseded or removed one (the convention replay and calibration read back).
 */
export const versionId = (base: string, v: number, isFinal: boolean): string => (isFinal ? base : `${base}@v${v + 1}`);

/** The distinct texts of each key, in the order first met: the versions of entries a source rewrites in place. */
export function distinctVersions(entries: Iterable<readonly [string, string]>): Map<string, string[]> {
  const versions = new Map<string, string[]>();
  for (const [key, text] of entries) {
    const list = versions.get(key);
    if (!list) versions.set(key, [text]);
    else if (!list.includes(text)) list.push(text);
  }
  return versions;
}

export type Importer = (path: string, ctx: ImportContext) => ImportParts;

export interface ImporterDef {
  describe: string;
  run: Importer;
}

/** Success/failure counts over a sequence of outcomes (in order), the last RECENT_WINDOW giving the recent ones. */
export function outcomeStats(outcomes: readonly boolean[]): Pick<
  ItemStats,
  "timesRetrieved" | "successes" | "failures" | "recentSuccesses" | "recentFailures"
> {
  const recent = outcomes.slice(-RECENT_WINDOW);
  const s = outcomes.filter(Boolean).length;
  const rs = recent.filter(Boolean).length;
  return {
    timesRetrieved: outcomes.length,
    successes: s,
    failures: outcomes.length - s,
    recentSuccesses: rs,
    recentFailures: recent.length - rs,
  };
}
