/**
 * Reading and writing library files. A library is JSONL (one LibraryItemSchema object per line) with an
 * optional `governance.json` beside it: the rules the library carries for every curator that touches it.
 * Every problem is reported with the file name and line number, up to MAX_REPORTED at once.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { LibraryItemSchema, type LibraryItem } from "../schemas/item.js";
import { GovernanceSchema, type Governance } from "../schemas/world.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { readJsonFile } from "../util/json-file.js";
import { forEachLine } from "../util/lines.js";

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
 * Validates JSONL one line at a time (blank lines skipped): every line must be JSON, carry a string
 * `keyField` (when given) and match `schema`; keys must be unique. `finish()` throws one INVALID_FILE error
 * listing the first MAX_REPORTED problems. A file that is one JSON array is named as such.
 */
export class JsonlValidator<S extends z.ZodType> {
  private problems: string[] = [];
  private seen = new Map<string, number>();
  private sawContent = false;
  rows = 0;

  constructor(
    private file: string,
    private schema: S,
    private key?: { field: string; of: (v: z.output<S>) => string },
  ) {}

  /** The validated row, or undefined when the line is blank or has a problem. */
  line(text: string, line: number): JsonlRow<z.output<S>> | undefined {
    if (text.trim() === "") return undefined;
    if (!this.sawContent) {
      this.sawContent = true;
      if (text.trimStart().startsWith("["))
        throw new CuratorError(
          "INVALID_FILE",
          `'${this.file}' is a JSON array, expected JSONL: one JSON object per line, no surrounding [ ]. Convert it, e.g. \`jq -c '.[]' FILE > FILE.jsonl\`, and retry.`,
        );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      this.problems.push(`line ${line}: not valid JSON (${(e as Error).message})`);
      return undefined;
    }
    const k = this.key;
    if (
      k &&
      (typeof raw !== "object" ||
        raw === null ||
        Array.isArray(raw) ||
        typeof (raw as Record<string, unknown>)[k.field] !== "string")
    ) {
      this.problems.push(`line ${line}: missing '${k.field}' (every line needs a string '${k.field}')`);
      return undefined;
    }
    const r = this.schema.safeParse(raw);
    if (!r.success) {
      this.problems.push(`line ${line}: ${describeZodIssues(r.error.issues)}`);
      return undefined;
    }
    if (k) {
      const id = k.of(r.data);
      const first = this.seen.get(id);
      if (first !== undefined) {
        this.problems.push(`line ${line}: duplicate ${k.field} '${id}' (first at line ${first})`);
        return undefined;
      }
      this.seen.set(id, line);
    }
    this.rows++;
    return { value: r.data, raw: raw as z.output<S>, line };
  }

  /** True once more than MAX_REPORTED problems are known (reading further adds nothing to the message). */
  get full(): boolean {
    return this.problems.length > MAX_REPORTED;
  }

  finish(): void {
    const problems = this.problems;
    if (problems.length === 0) return;
    const shown = problems.slice(0, MAX_REPORTED);
    const more = problems.length > MAX_REPORTED ? `\n  … and more (only the first ${MAX_REPORTED} are listed)` : "";
    throw new CuratorError(
      "INVALID_FILE",
      `'${this.file}' has ${problems.length > MAX_REPORTED ? `more than ${MAX_REPORTED}` : problems.length} problem(s):\n  ${shown.join("\n  ")}${more}\nFix these lines (see 'curator schema item' for the line format) and retry.`,
    );
  }
}

/** Parses JSONL text (small files and tests; files of any size go through readJsonlFile). */
export function parseJsonl<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  key?: { field: string; of: (v: z.output<S>) => string },
): JsonlRow<z.output<S>>[] {
  const v = new JsonlValidator(file, schema, key);
  const rows: JsonlRow<z.output<S>>[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length && !v.full; i++) {
    const row = v.line(lines[i], i + 1);
    if (row) rows.push(row);
  }
  v.finish();
  return rows;
}

/** Streams a JSONL file through the validator, calling `onRow` for each valid row; throws at the end on problems. */
export function readJsonlFile<S extends z.ZodType>(
  path: string,
  schema: S,
  onRow: (row: JsonlRow<z.output<S>>) => void,
  key?: { field: string; of: (v: z.output<S>) => string },
): number {
  const v = new JsonlValidator(path, schema, key);
  forEachLine(path, (text, line) => {
    const row = v.line(text, line);
    if (row) onRow(row);
    return !v.full;
  });
  v.finish();
  return v.rows;
}

const LIBRARY_KEY = { field: "id", of: (v: LiveItem) => v.id };

/**
 * Parses library JSONL text (items may carry a `pending` marker from a previous decide). Items are returned
 * as written (key order, `meta` and every field untouched), after validation.
 */
export function parseLibrary(text: string, file: string): LiveItem[] {
  return parseJsonl(text, file, LiveItemSchema, LIBRARY_KEY).map((r) => r.raw);
}

/** Reads a library file line by line; items as written, after validation. */
export function readLibraryFile(path: string): LiveItem[] {
  if (!existsSync(path)) throw new CuratorError("FILE_NOT_FOUND", `Library file '${path}' does not exist.`);
  const items: LiveItem[] = [];
  readJsonlFile(path, LiveItemSchema, (r) => items.push(r.raw), LIBRARY_KEY);
  return items;
}

export function parseArchive(text: string, file: string): ArchiveEntry[] {
  return parseJsonl(text, file, ArchiveEntrySchema).map((r) => r.raw);
}

/** Streams archive.jsonl (absent = empty): `onEntry` sees each entry as written, with its line number. */
export function forEachArchiveEntry(path: string, onEntry: (e: ArchiveEntry, line: number) => void): number {
  if (!existsSync(path)) return 0;
  return readJsonlFile(path, ArchiveEntrySchema, (r) => onEntry(r.raw, r.line));
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
