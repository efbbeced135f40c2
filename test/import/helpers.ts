import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { LibraryItemSchema, type LibraryItem } from "../../src/schemas/item.js";
import { importSource } from "../../src/import/run.js";
import type { ImportFormat, ReplayLabel, Snapshot, TaskEvent } from "../../src/import/types.js";
import type { IssueReport } from "../../src/import/context.js";
import type { ImportManifest } from "../../src/import/write.js";

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = resolve(here, "../fixtures/real");
export const REAL = resolve(here, "../../../shared/data/real");
export const HAVE_REAL = existsSync(REAL);
if (!HAVE_REAL) console.warn(`[import tests] ${REAL} is absent: the full real-data imports are skipped.`);

export const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);

export interface Imported {
  out: string;
  manifest: ImportManifest;
  library: LibraryItem[];
  items: LibraryItem[];
  snapshots: Snapshot[];
  events: TaskEvent[];
  labels: ReplayLabel[];
}

/** Imports into a fresh temp folder and reads every output file back, checking the cross-file contracts. */
export async function importAndRead(format: ImportFormat, path: string): Promise<Imported> {
  const out = join(mkdtempSync(join(tmpdir(), "curator-import-")), "out");
  await importSource(format, path, out);
  const r: Imported = {
    out,
    manifest: JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")),
    library: readJsonl(join(out, "library.jsonl")),
    items: readJsonl(join(out, "items.jsonl")),
    snapshots: readJsonl(join(out, "snapshots.jsonl")),
    events: readJsonl(join(out, "events.jsonl")),
    labels: readJsonl(join(out, "replay-labels.jsonl")),
  };
  checkContracts(r);
  return r;
}

/** What must hold for every import: valid lines, unique ids, references that resolve, counts that agree. */
export function checkContracts(r: Omit<Imported, "out">): void {
  for (const line of [...r.library, ...r.items]) {
    const p = LibraryItemSchema.safeParse(line);
    if (!p.success) throw new Error(`invalid item ${line.id}: ${p.error.message}`);
  }
  const ids = new Set(r.items.map((i) => i.id));
  expect(ids.size).toBe(r.items.length);
  expect(new Set(r.library.map((i) => i.id)).size).toBe(r.library.length);
  const dangling = [
    ...r.library.map((i) => i.id),
    ...r.snapshots.flatMap((s) => s.itemIds),
    ...r.events.flatMap((e) => e.itemIds ?? []),
  ].filter((id) => !ids.has(id));
  expect(dangling, "ids in library/snapshots/events missing from items.jsonl").toEqual([]);
  const labelled = r.labels.map((l) => l.id);
  expect(labelled.length).toBe(ids.size);
  expect(labelled.filter((id) => !ids.has(id))).toEqual([]);
  const live = new Set(r.library.map((i) => i.id));
  expect(r.labels.filter((l) => l.inFinal !== live.has(l.id)).map((l) => l.id)).toEqual([]);
  expect(r.manifest.counts.items).toBe(r.library.length);
  expect(r.manifest.counts.itemVersions).toBe(r.items.length);
  expect(r.manifest.counts.events).toBe(r.events.length);
  expect(r.manifest.tokenEncoding).toBe("o200k_base");
  expect(r.items.filter((i) => !(i.tokens! > 0)).map((i) => i.id)).toEqual([]);
}

/** A manifest's skipped or repaired report as counts by reason, to assert with `toMatchObject`. */
export const countsByReason = (r: IssueReport): Record<string, number> =>
  Object.fromEntries(Object.entries(r.byReason).map(([k, c]) => [k, c.count]));

export const byId = <T extends { id: string }>(xs: readonly T[]): Map<string, T> => new Map(xs.map((x) => [x.id, x]));
