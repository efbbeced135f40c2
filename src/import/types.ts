/**
 * The shape every importer returns, before tokens and similarity are filled in and the output folder is
 * written (see write.ts for the files and their line formats).
 */
import type { ItemStats } from "../schemas/item.js";
import type { ImportContext } from "./context.js";
import type { Comparison, ReplayLabel, Snapshot, TaskEvent } from "./schema.js";

export { IMPORT_FORMATS } from "./schema.js";
export type { ImportFormat, Snapshot, Outcome, TaskEvent, ReplayLabel, Comparison } from "./schema.js";

/** Bump when any importer changes what it writes for the same input. Recorded in every manifest. */
export const IMPORTER_VERSION = "import-v3";

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

export interface ImportParts {
  items: SourceItem[];
  snapshots: Snapshot[];
  events: TaskEvent[];
  labels: ReplayLabel[];
  /** run-level paired comparisons (paired uplift, noise floor); empty where the source has no paired runs */
  comparisons: Comparison[];
  /** short statements about how this source was read (what a field means, what was inferred) */
  notes: string[];
}

/** An importer's empty result, with the notes on how it reads its source. */
export function emptyParts(notes: string[]): ImportParts {
  return { items: [], snapshots: [], events: [], labels: [], comparisons: [], notes };
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
export function outcomeStats(
  outcomes: readonly boolean[],
): Pick<ItemStats, "timesRetrieved" | "successes" | "failures" | "recentSuccesses" | "recentFailures"> {
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
