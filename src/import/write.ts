/**
 * Turns what an importer found into the output folder. Fills real token counts (o200k_base) and MinHash
 * near-duplicate statistics, validates every item against LibraryItemSchema, and writes atomically:
 *
 * - library.jsonl        the latest library, one LibraryItemSchema line per item (what `curator decide` reads)
 * - items.jsonl          every version of every item ever seen (LibraryItemSchema lines; a superset of library.jsonl)
 * - snapshots.jsonl      one line per (library, point in time): {library, index, label, taskIndex, reconstructed,
 *                        itemIds, missingItems}; item ids resolve in items.jsonl
 * - events.jsonl         one line per task / question / attempt: {library, taskIndex, task, outcome, outcomeBasis,
 *                        itemIds, detail}
 * - replay-labels.jsonl  one line per item id in items.jsonl: {id, library, inFinal, rewrittenLater, removedLater,
 *                        uplift, harmful, helpful, deadWeight, neverUsed[, elided], evidence}; null when the source cannot tell
 * - comparisons.jsonl    run-level paired comparisons: {kind: paired-uplift|noise-floor, group, a, b, n, both, aOnly,
 *                        bOnly, neither, note}
 * The line formats are the zod schemas of schema.ts.
 * - manifest.json        format, source, counts, token encoding, importer version, skipped/repaired reports
 */
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { LibraryItemSchema, type LibraryItem } from "../schemas/item.js";
import { toJsonl } from "../library/io.js";
import { countTokens, TOKEN_ENCODING } from "../text/tokens.js";
import { NEAR_DUPLICATE_THRESHOLD, similarityStats, type SimilarityStats } from "../text/similarity.js";
import { describeZodIssues } from "../errors.js";
import { TOOLKIT_VERSION } from "../version.js";
import type { OutputOptions } from "../util/output-folder.js";
import { writeDirAtomic } from "../util/atomic.js";
import type { ImportContext, IssueReport } from "./context.js";
import {
  IMPORTER_VERSION,
  RECENT_WINDOW,
  type ImportFormat,
  type ImportParts,
  type ReplayLabel,
  type Snapshot,
  type TaskEvent,
} from "./types.js";
import type { Comparison } from "./schema.js";

export interface LibrarySummary {
  name: string;
  items: number;
  tokens: number;
  versions: number;
  snapshots: number;
  events: number;
}

export interface ImportManifest {
  kind: "curator-import";
  format: ImportFormat;
  importerVersion: string;
  toolkitVersion: string;
  source: string;
  sourceFiles: number;
  sourceSha256: string;
  tokenEncoding: string;
  similarity: { method: string; nearDuplicateThreshold: number; scope: string };
  recentWindow: number;
  counts: {
    items: number;
    itemVersions: number;
    libraries: number;
    snapshots: number;
    events: number;
    labels: number;
    comparisons: number;
    skipped: number;
    repaired: number;
  };
  libraries: LibrarySummary[];
  skipped: IssueReport;
  repaired: IssueReport;
  notes: string[];
  files: Record<string, string>;
}

export interface BuiltImport {
  library: LibraryItem[];
  items: LibraryItem[];
  snapshots: Snapshot[];
  events: TaskEvent[];
  labels: ReplayLabel[];
  comparisons: Comparison[];
  manifest: ImportManifest;
}

const FILES: Record<string, string> = {
  "library.jsonl": "latest library: one LibraryItemSchema line per item (input of `curator decide`)",
  "items.jsonl": "every version of every item seen, LibraryItemSchema lines; superset of library.jsonl",
  "snapshots.jsonl":
    "one line per library state: {library, index, label, taskIndex, reconstructed, itemIds, missingItems}",
  "events.jsonl":
    "one line per task: {library, taskIndex, task, outcome, outcomeBasis, itemIds[, usedItemIds, referenceOutcome], detail}",
  "replay-labels.jsonl":
    "one line per item id: {id, library, inFinal, rewrittenLater, removedLater, uplift, harmful, helpful, deadWeight, neverUsed[, elided], evidence}",
  "comparisons.jsonl": "run-level paired comparisons: {kind, group, a, b, n, both, aOnly, bOnly, neither, note}",
  "manifest.json": "this file",
};

/** An import folder is import's output; one from before markers (only these files) is recognised as such. */
export const IMPORT_OUTPUT: OutputOptions = { command: "import", adopt: Object.keys(FILES) };

function push<K>(m: Map<K, string[]>, key: K, id: string): void {
  const list = m.get(key);
  if (list) list.push(id);
  else m.set(key, [id]);
}

/** Similarity of each item within the library state it last belonged to (the latest one for live items). */
function similarityById(parts: ImportParts): Map<string, SimilarityStats> {
  const byId = new Map(parts.items.map((i) => [i.id, i]));
  const out = new Map<string, SimilarityStats>();
  const measure = (members: string[], wanted: (id: string) => boolean): void => {
    const stats = similarityStats(members.map((id) => byId.get(id)?.content ?? ""));
    members.forEach((id, k) => {
      if (wanted(id)) out.set(id, stats[k]);
    });
  };
  const liveByLibrary = new Map<string, string[]>();
  for (const i of parts.items) if (i.final) push(liveByLibrary, i.library, i.id);
  for (const ids of liveByLibrary.values()) measure(ids, () => true);
  // superseded versions: among their last snapshot, or among their library's live items when no snapshot holds them
  const lastSnapshot = new Map<string, Snapshot>();
  for (const s of parts.snapshots) for (const id of s.itemIds) lastSnapshot.set(id, s);
  const groups = new Map<Snapshot | string, string[]>();
  for (const i of parts.items) {
    if (i.final) continue;
    push(groups, lastSnapshot.get(i.id) ?? i.library, i.id);
  }
  for (const [key, pending] of groups) {
    const wanted = new Set(pending);
    const members =
      typeof key === "string"
        ? [...pending, ...(liveByLibrary.get(key) ?? [])]
        : key.itemIds.filter((id) => byId.has(id));
    measure(members, (id) => wanted.has(id));
  }
  return out;
}

export function buildImport(format: ImportFormat, source: string, parts: ImportParts, ctx: ImportContext): BuiltImport {
  const seen = new Set<string>();
  for (const it of parts.items) {
    if (!seen.has(it.id)) {
      seen.add(it.id);
      continue;
    }
    let k = 2;
    while (seen.has(`${it.id}~${k}`)) k++;
    ctx.repaired.add("duplicate-id", `${it.library}: ${it.id} renamed ${it.id}~${k}`);
    it.id = `${it.id}~${k}`;
    seen.add(it.id);
  }
  const sims = similarityById(parts);
  const tokenCache = new Map<string, number>();
  const items: LibraryItem[] = [];
  const library: LibraryItem[] = [];
  const rejected = new Set<string>();
  for (const it of parts.items) {
    const tokens = tokenCache.get(it.content) ?? countTokens(it.content);
    tokenCache.set(it.content, tokens);
    const sim = sims.get(it.id) ?? { max: 0, nearDuplicates: 0 };
    const candidate = {
      id: it.id,
      kind: it.kind,
      content: it.content,
      ...(it.tags?.length ? { tags: it.tags } : {}),
      ...(it.author ? { author: it.author } : {}),
      library: it.library,
      tokens,
      ...(it.stats ? { stats: it.stats } : {}),
      similarity: { max: Math.round(sim.max * 1e4) / 1e4, nearDuplicates: sim.nearDuplicates },
      ...(it.meta && Object.keys(it.meta).length ? { meta: it.meta } : {}),
    };
    const parsed = LibraryItemSchema.safeParse(candidate);
    if (!parsed.success) {
      ctx.skipped.add("unreadable-record", `${it.library}: item ${it.id}: ${describeZodIssues(parsed.error.issues)}`);
      rejected.add(it.id);
      continue;
    }
    items.push(parsed.data);
    if (it.final) library.push(parsed.data);
  }
  const snapshots = parts.snapshots.map((s) => ({ ...s, itemIds: s.itemIds.filter((id) => !rejected.has(id)) }));
  const labels = parts.labels.filter((l) => !rejected.has(l.id));
  const libNames = [...new Set([...parts.items.map((i) => i.library), ...parts.events.map((e) => e.library)])];
  const libraries: LibrarySummary[] = libNames.map((name) => {
    const live = library.filter((i) => i.library === name);
    return {
      name,
      items: live.length,
      tokens: live.reduce((a, i) => a + (i.tokens ?? 0), 0),
      versions: items.filter((i) => i.library === name).length,
      snapshots: snapshots.filter((s) => s.library === name).length,
      events: parts.events.filter((e) => e.library === name).length,
    };
  });
  const manifest: ImportManifest = {
    kind: "curator-import",
    format,
    importerVersion: IMPORTER_VERSION,
    toolkitVersion: TOOLKIT_VERSION,
    source,
    sourceFiles: ctx.sourceFiles,
    sourceSha256: ctx.sourceHash(),
    tokenEncoding: TOKEN_ENCODING,
    similarity: {
      method: "MinHash (64 hashes) over word 3-shingles, Jaccard estimate",
      nearDuplicateThreshold: NEAR_DUPLICATE_THRESHOLD,
      scope:
        "within one library state: live items among the latest library, superseded versions among their last snapshot",
    },
    recentWindow: RECENT_WINDOW,
    counts: {
      items: library.length,
      itemVersions: items.length,
      libraries: libraries.length,
      snapshots: snapshots.length,
      events: parts.events.length,
      labels: labels.length,
      comparisons: parts.comparisons.length,
      skipped: ctx.skipped.total(),
      repaired: ctx.repaired.total(),
    },
    libraries,
    skipped: ctx.skipped.report(),
    repaired: ctx.repaired.report(),
    notes: parts.notes,
    files: FILES,
  };
  return { library, items, snapshots, events: parts.events, labels, comparisons: parts.comparisons, manifest };
}

/** Writes the output folder atomically: everything lands, or nothing does. */
export async function writeImport(out: string, built: BuiltImport): Promise<void> {
  await writeDirAtomic(out, IMPORT_OUTPUT, async (tmp) => {
    writeFileSync(join(tmp, "library.jsonl"), toJsonl(built.library));
    writeFileSync(join(tmp, "items.jsonl"), toJsonl(built.items));
    writeFileSync(join(tmp, "snapshots.jsonl"), toJsonl(built.snapshots));
    writeFileSync(join(tmp, "events.jsonl"), toJsonl(built.events));
    writeFileSync(join(tmp, "replay-labels.jsonl"), toJsonl(built.labels));
    writeFileSync(join(tmp, "comparisons.jsonl"), toJsonl(built.comparisons));
    writeFileSync(join(tmp, "manifest.json"), `${JSON.stringify(built.manifest, null, 2)}\n`);
  });
}
