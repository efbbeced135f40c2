/**
 * Reading and writing library files. A library is JSONL (one LibraryItemSchema object per line) with an
 * optional `governance.json` beside it: the rules the library carries for every curator that touches it.
 * Every problem is reported with the file name and line number, up to MAX_REPORTED at once.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { LibraryItemSchema, type LibraryItem } from "../schemas/item.js";
import { GovernanceSchema, type Governance } from "../schemas/world.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { readJsonFile } from "../util/json-file.js";

export const MAX_REPORTED = 20;
export const GOVERNANCE_FILE = "governance.json";

/**
 * A live library line: an item plus the `pending` marker `curator decide` leaves on items it decided to
 * compress or rewrite (the harness applies the change and removes the marker).
 */
export const LiveItemSchema = LibraryItemSchema.extend({
  pending: z
    .enum(["compress", "rewrite"])
    .optional()
    .describe("set by `curator decide`: the harness should compress / rewrite this item, then drop the marker"),
}).strict();
export type LiveItem = z.infer<typeof LiveItemSchema>;

/** An archive.jsonl line: a retired item, whole, with when and why it left the live library. */
export const ArchiveEntrySchema = z
  .object({
    item: LiveItemSchema,
    retiredAt: z.string().describe("ISO time of the decision"),
    auditSeq: z.number().int().positive().describe("seq of the audit line that retired it"),
    reason: z.string(),
    curator: z.string(),
    modelHash: z.string(),
  })
  .strict();
export type ArchiveEntry = z.infer<typeof ArchiveEntrySchema>;

export interface JsonlRow<T> {
  /** The validated value as zod outputs it (schema key order, defaults applied). */
  value: T;
  /** The line's JSON exactly as parsed: original key order, nothing added (what library files carry through). */
  raw: T;
  line: number;
}

/**
 * Parses JSONL text: blank lines are skipped; every line must be JSON, carry a string `keyField` (when given)
 * and match `schema`; keys must be unique. Throws one INVALID_FILE error listing the first MAX_REPORTED problems.
 */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  key?: { field: string; of: (v: z.output<S>) => string },
): JsonlRow<z.output<S>>[] {
  const rows: JsonlRow<z.output<S>>[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length <= MAX_REPORTED; i++) {
    const line = i + 1;
    if (lines[i].trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(lines[i]);
    } catch (e) {
      problems.push(`line ${line}: not valid JSON (${(e as Error).message})`);
      continue;
    }
    if (key && (typeof raw !== "object" || raw === null || Array.isArray(raw) || typeof (raw as Record<string, unknown>)[key.field] !== "string")) {
      problems.push(`line ${line}: missing '${key.field}' (every line needs a string '${key.field}')`);
      continue;
    }
    const r = schema.safeParse(raw);
    if (!r.success) {
      problems.push(`line ${line}: ${describeZodIssues(r.error.issues)}`);
      continue;
    }
    if (key) {
      const k = key.of(r.data);
      const first = seen.get(k);
      if (first !== undefined) {
        problems.push(`line ${line}: duplicate ${key.field} '${k}' (first at line ${first})`);
        continue;
      }
      seen.set(k, line);
    }
    rows.push({ value: r.data, raw: raw as z.output<S>, line });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED);
    const more = problems.length > MAX_REPORTED ? `\n  … and more (only the first ${MAX_REPORTED} are listed)` : "";
    throw new CuratorError(
      "INVALID_FILE",
      `'${file}' has ${problems.length > MAX_REPORTED ? `more than ${MAX_REPORTED}` : problems.length} problem(s):\n  ${shown.join("\n  ")}${more}\nFix these lines (see 'curator schema item' for the line format) and retry.`,
    );
  }
  return rows;
}

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new CuratorError("FILE_NOT_FOUND", `${what} '${path}' does not exist.`);
  return readFileSync(path, "utf8");
}

/**
 * Parses library JSONL text (items may carry a `pending` marker from a previous decide). Items are returned
 * as written (key order, `meta` and every field untouched), after validation.
 */
export function parseLibrary(text: string, file: string): LiveItem[] {
  return parseJsonl(text, file, LiveItemSchema, { field: "id", of: (v) => v.id }).map((r) => r.raw);
}

export function readLibraryFile(path: string): LiveItem[] {
  return parseLibrary(readText(path, "Library file"), path);
}

export function parseArchive(text: string, file: string): ArchiveEntry[] {
  return parseJsonl(text, file, ArchiveEntrySchema).map((r) => r.raw);
}

export function readArchiveFile(path: string): ArchiveEntry[] {
  return existsSync(path) ? parseArchive(readFileSync(path, "utf8"), path) : [];
}

export interface LoadedGovernance {
  rules: Governance;
  /** The governance.json the rules came from, or null when DEFAULT_GOVERNANCE applies. */
  source: string | null;
}

/** The rules a library carries: `governance.json` beside it, else DEFAULT_GOVERNANCE (10% change cap). */
export function readGovernanceFor(libraryPath: string): LoadedGovernance {
  const path = join(dirname(libraryPath), GOVERNANCE_FILE);
  if (!existsSync(path)) return { rules: DEFAULT_GOVERNANCE, source: null };
  return { rules: readJsonFile(path, GovernanceSchema, "Governance"), source: path };
}

export interface LoadedLibrary {
  path: string;
  items: LiveItem[];
  governance: LoadedGovernance;
}

export function loadLibrary(path: string): LoadedLibrary {
  return { path, items: readLibraryFile(path), governance: readGovernanceFor(path) };
}

/** One JSON object per line, newline-terminated (empty string for no rows). */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export type { LibraryItem };
