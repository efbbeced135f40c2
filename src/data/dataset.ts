import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  DATASET_SCHEMA_VERSION,
  DECISION_COLUMNS,
  GROUP_COLUMNS,
  READABLE_DATASET_SCHEMA_VERSIONS,
  ManifestSchema,
  TASK_COLUMNS,
  type ColumnSpec,
  type Manifest,
} from "../schemas/dataset.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { CuratorError, describeZodIssues } from "../errors.js";
import { writeDirAtomic, writeFileAtomic } from "../util/atomic.js";
import type { OutputOptions } from "../util/output-folder.js";
import { columnRows, decodeTable, encodeTable, type ColumnArray, type ColumnInput, type Columns } from "./parquet.js";
import { pushAll } from "../util/arrays.js";

export const MANIFEST_FILE = "manifest.json";
export const TABLES = { decisions: DECISION_COLUMNS, tasks: TASK_COLUMNS } as const;
export type TableName = keyof typeof TABLES;
/** Tables only some datasets hold (groups: --labels rollout --rollout-groups G); a manifest counts their rows when present. */
export const OPTIONAL_TABLES = { groups: GROUP_COLUMNS } as const;
export type OptionalTableName = keyof typeof OPTIONAL_TABLES;
type AnyTableName = TableName | OptionalTableName;
const TABLE_SPECS: Record<AnyTableName, ColumnSpec[]> = { ...TABLES, ...OPTIONAL_TABLES };
export type DatasetTables = Record<TableName, TableInput> & Partial<Record<OptionalTableName, TableInput>>;
/** Rows per part file: each table is a folder of parts, so engines read one table with `TABLE/**\/*.parquet`. */
export const PART_ROWS = 1_048_576;
const partFile = (t: AnyTableName, k: number) => `${t}/part-${String(k).padStart(5, "0")}.parquet`;
/** The manifest's file entries of one table, in row order: `TABLE/part-*.parquet`, or schema 1's `TABLE.parquet`. */
export function tableFiles(m: Manifest, t: AnyTableName): string[] {
  if (m.datasetSchemaVersion === 1) return [`${t}.parquet`];
  return Object.keys(m.files)
    .filter((f) => f.startsWith(`${t}/`))
    .sort();
}
/** A dataset folder is collect's output; one from before markers (only these entries) is recognised as such. */
export const DATASET_OUTPUT: OutputOptions = {
  command: "collect",
  adopt: [MANIFEST_FILE, ...Object.keys(TABLES).flatMap((t) => [t, `${t}.parquet`])],
};

export type ManifestDraft = Omit<Manifest, "files" | "rows">;
export interface TableInput {
  columns: Record<string, ColumnInput>;
  rows: number;
}

export interface Dataset {
  /** Dataset folders read, in concatenation order (by shard index, then path). */
  folders: string[];
  manifests: Manifest[];
  decisions: Columns;
  tasks: Columns;
  /** pass-level groups (GROUP_COLUMNS), when the dataset holds them */
  groups?: Columns;
  /** datasetHash over the manifests: the "dataset manifest hash" model cards record. */
  hash: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * Writes decisions/part-*.parquet, tasks/part-*.parquet and manifest.json (with per-file rows and sha256) into `dir`.
 * Meant to run inside a writeDirAtomic temp folder; the manifest is written last. Returns the manifest.
 */
export function writeDatasetFiles(dir: string, draft: ManifestDraft, tables: DatasetTables): Manifest {
  const checked = ManifestSchema.omit({ files: true, rows: true }).safeParse(draft);
  if (!checked.success) {
    throw new CuratorError(
      "INVALID_CONFIG",
      `Cannot write the dataset manifest in '${dir}': ${describeZodIssues(checked.error.issues)}. ` +
        `Fix the fields named above in the manifest the collector builds.`,
    );
  }
  const files: Manifest["files"] = {};
  const present = (Object.keys(TABLE_SPECS) as AnyTableName[]).filter((t) => tables[t] !== undefined);
  for (const t of present) {
    mkdirSync(join(dir, t), { recursive: true });
    const { columns, rows } = tables[t]!;
    // An empty table still gets one (empty) part, so every table folder holds a file engines can read.
    for (let k = 0, from = 0; k === 0 || from < rows; k++, from += PART_ROWS) {
      const n = Math.min(PART_ROWS, rows - from);
      const part = from === 0 && n === rows ? columns : sliceColumns(columns, from, from + n);
      const bytes = encodeTable(TABLE_SPECS[t], part, n);
      writeFileAtomic(join(dir, partFile(t, k)), bytes);
      files[partFile(t, k)] = { rows: n, sha256: sha256(bytes) };
    }
  }
  // Parsing again puts the keys in schema order, so the manifest bytes do not depend on how the draft was built.
  const manifest = ManifestSchema.parse({
    ...draft,
    rows: {
      decisions: tables.decisions.rows,
      tasks: tables.tasks.rows,
      ...(tables.groups ? { groups: tables.groups.rows } : {}),
    },
    files,
  });
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** writeDatasetFiles into a temp folder renamed to `out` on success; nothing is left behind on failure. */
export async function writeDataset(out: string, draft: ManifestDraft, tables: DatasetTables): Promise<Manifest> {
  return writeDirAtomic(out, DATASET_OUTPUT, async (dir) => writeDatasetFiles(dir, draft, tables));
}

function sliceColumns(columns: Record<string, ColumnInput>, from: number, to: number): Record<string, ColumnInput> {
  const out: Record<string, ColumnInput> = {};
  for (const [name, c] of Object.entries(columns)) {
    out[name] = ArrayBuffer.isView(c)
      ? (c as unknown as Float64Array).subarray(from, to)
      : Array.prototype.slice.call(c, from, to);
  }
  return out;
}

/** sha256 hex over the manifests' bytes, concatenated in sorted (relative) path order. */
export function datasetHash(manifests: ReadonlyArray<{ path: string; bytes: Uint8Array | string }>): string {
  const h = createHash("sha256");
  for (const m of [...manifests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(m.bytes);
  return h.digest("hex");
}

/** The file each row range of a table came from, in the order readDataset concatenated them. */
export function tableSources(
  d: Pick<Dataset, "folders" | "manifests">,
  table: TableName,
): { path: string; rows: number }[] {
  return d.folders.flatMap((folder, i) => {
    const m = d.manifests[i];
    return tableFiles(m, table).map((f) => ({ path: join(folder, f), rows: m.files[f]?.rows ?? m.rows[table] }));
  });
}

/** Dataset folders at or under `root` (a folder with manifest.json is not searched further). Hidden folders skipped. */
export function findDatasetFolders(root: string): string[] {
  if (existsSync(join(root, MANIFEST_FILE))) return [root];
  const found: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory() && !e.name.startsWith(".")) pushAll(found, findDatasetFolders(join(root, e.name)));
  }
  return found;
}

export function readManifest(file: string): { manifest: Manifest; bytes: Buffer } {
  const bytes = readFileSync(file);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset manifest '${file}' is not valid JSON (${(e as Error).message}). It was truncated or edited; ` +
        `re-collect the dataset with \`curator collect\`.`,
    );
  }
  const obj = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  // Versions first: a manifest from another schema version may legitimately fail today's schema.
  if ("datasetSchemaVersion" in obj && !READABLE_DATASET_SCHEMA_VERSIONS.includes(obj.datasetSchemaVersion as never)) {
    throw versionMismatch(
      file,
      "dataset schema version",
      obj.datasetSchemaVersion,
      READABLE_DATASET_SCHEMA_VERSIONS.join(" or "),
    );
  }
  if ("featurizerVersion" in obj && obj.featurizerVersion !== FEATURIZER_VERSION) {
    throw versionMismatch(file, "featurizer version", obj.featurizerVersion, FEATURIZER_VERSION);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset manifest '${file}' is invalid: ${describeZodIssues(parsed.error.issues)}. ` +
        `Restore the original manifest.json or re-collect the dataset with \`curator collect\`.`,
    );
  }
  const m = parsed.data;
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(m.featureNames, FEATURE_NAMES) || !same(m.actionNames, ACTIONS)) {
    const field = same(m.actionNames, ACTIONS) ? "featureNames" : "actionNames";
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset manifest '${file}' field ${field} does not match featurizer ${FEATURIZER_VERSION} ` +
        `(expected ${JSON.stringify(field === "featureNames" ? FEATURE_NAMES : ACTIONS)}). ` +
        `The manifest was edited; restore it or re-collect the dataset with \`curator collect\`.`,
    );
  }
  return { manifest: m, bytes };
}

function versionMismatch(file: string, what: string, found: unknown, expected: string | number): CuratorError {
  return new CuratorError(
    "VERSION_MISMATCH",
    `Dataset '${file}' was written with ${what} ${JSON.stringify(found)}, but this toolkit reads ${what} ` +
      `${JSON.stringify(expected)}. Re-collect the dataset with this toolkit (\`curator collect\`), or use the ` +
      `toolkit version that wrote it.`,
  );
}

/** Reads one table of a dataset folder: every part listed in the manifest, sha256 and row counts checked. */
export async function readTableChecked(folder: string, m: Manifest, table: AnyTableName): Promise<Columns> {
  const names = listedTableFiles(folder, m, table);
  const parts: Columns[] = [];
  let total = 0;
  for (const name of names) {
    const { columns, rows } = await readFileChecked(folder, name, m.files[name], table);
    parts.push(columns);
    total += rows;
  }
  checkTableRows(folder, m, table, total);
  return concatColumns(TABLE_SPECS[table], parts);
}

async function readFileChecked(
  folder: string,
  name: string,
  entry: Manifest["files"][string],
  table: AnyTableName,
): Promise<{ columns: Columns; rows: number }> {
  const path = join(folder, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Dataset file '${path}' is listed in its manifest but cannot be read. Restore it from a copy or ` +
        `re-collect the dataset with \`curator collect\`.`,
    );
  }
  checkFileHash(path, sha256(bytes), entry);
  const columns = await decodeTable(bytes, TABLE_SPECS[table], path);
  const rows = columnRows(columns);
  checkFileRows(path, rows, entry);
  return { columns, rows };
}

/** The part files the manifest lists for `table`, refused when one is missing from its file list. */
export function listedTableFiles(folder: string, m: Manifest, table: AnyTableName): string[] {
  const names = tableFiles(m, table);
  if (names.length === 0 || names.some((n) => !m.files[n])) {
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset manifest '${join(folder, MANIFEST_FILE)}' field files does not list '${names.find((n) => !m.files[n]) ?? `${table}/part-00000.parquet`}'. ` +
        `Re-collect the dataset with \`curator collect\`.`,
    );
  }
  return names;
}

export function checkFileHash(path: string, actual: string, entry: Manifest["files"][string]): void {
  if (actual !== entry.sha256)
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset file '${path}' was modified or truncated after collection: its sha256 is ${actual} but the ` +
        `manifest records ${entry.sha256}. Restore the file from a copy or re-collect with \`curator collect\`.`,
    );
}

export function checkFileRows(path: string, rows: number, entry: Manifest["files"][string]): void {
  if (rows !== entry.rows)
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset file '${path}' holds ${rows} rows but its manifest records ${entry.rows} (files). ` +
        `Re-collect the dataset with \`curator collect\`.`,
    );
}

export function checkTableRows(folder: string, m: Manifest, table: AnyTableName, total: number): void {
  if (total !== (m.rows[table] ?? 0))
    throw new CuratorError(
      "INVALID_FILE",
      `Dataset '${folder}' holds ${total} ${table} rows in its files but its manifest records ${m.rows[table]} ` +
        `(rows.${table}). Re-collect the dataset with \`curator collect\`.`,
    );
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );

function checkCompatible(folders: string[], manifests: Manifest[]): void {
  const fields = {
    world: (m: Manifest) => canonical(m.world),
    labels: (m: Manifest) => m.labels,
    horizon: (m: Manifest) => String(m.horizon),
    "shard.count": (m: Manifest) => String(m.shard.count),
  };
  for (const [field, get] of Object.entries(fields)) {
    const first = get(manifests[0]);
    const i = manifests.findIndex((m) => get(m) !== first);
    if (i > 0) {
      throw new CuratorError(
        "INVALID_FILE",
        `Shards '${folders[0]}' and '${folders[i]}' cannot be combined: their manifests differ in ${field}. ` +
          `Read them separately, or re-collect all shards with the same options (only --shard may differ).`,
      );
    }
  }
}

/** No stream id in two shards: each folder's set of stream ids (decisions and tasks), in folder order. */
export function checkStreamIds(folders: string[], ids: ReadonlyArray<ReadonlySet<number>>): void {
  const owner = new Map<number, number>();
  ids.forEach((seen, k) => {
    for (const id of seen) {
      const prev = owner.get(id);
      if (prev !== undefined) {
        throw new CuratorError(
          "INVALID_FILE",
          `Shards '${folders[prev]}' and '${folders[k]}' both hold stream_id ${id}, so they are not shards of ` +
            `one collection (or one was copied twice). Remove the duplicate folder, or re-collect with --shard i/n.`,
        );
      }
      owner.set(id, k);
    }
  });
}

export function concatColumns(specs: readonly ColumnSpec[], parts: Columns[]): Columns {
  if (parts.length === 1) return parts[0];
  const out: Columns = {};
  for (const { name } of specs) {
    const cols = parts.map((p) => p[name]);
    // An optional column some part predates is left out: a partly filled column would pass for a whole one.
    if (cols.some((c) => c === undefined)) continue;
    if (Array.isArray(cols[0])) {
      out[name] = (cols as (string | null)[][]).flat();
      continue;
    }
    const total = cols.reduce((s, c) => s + c.length, 0);
    const Ctor = cols[0].constructor as new (n: number) => Exclude<ColumnArray, unknown[]>;
    const joined = new Ctor(total);
    let at = 0;
    for (const c of cols as Exclude<ColumnArray, unknown[]>[]) {
      joined.set(c as never, at);
      at += c.length;
    }
    out[name] = joined;
  }
  return out;
}

/** The manifests of a dataset folder (or of its shard folders), validated and checked to fit together. */
export function loadManifests(path: string): Pick<Dataset, "folders" | "manifests" | "hash"> {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Dataset folder '${path}' does not exist${existsSync(root) ? " (it is a file)" : ""}. Pass the folder ` +
        `\`curator collect --out\` wrote, or create one with \`curator collect --out ${path}\`.`,
    );
  }
  const found = findDatasetFolders(root);
  if (found.length === 0) {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `'${path}' holds no dataset: there is no ${MANIFEST_FILE} in it or in its subfolders. Pass the folder ` +
        `\`curator collect --out\` wrote, or create one with \`curator collect --out ${path}\`.`,
    );
  }
  const loaded = found.map((folder) => ({ folder, ...readManifest(join(folder, MANIFEST_FILE)) }));
  const hash = datasetHash(loaded.map((l) => ({ path: relative(root, l.folder), bytes: l.bytes })));
  loaded.sort((a, b) => a.manifest.shard.index - b.manifest.shard.index || (a.folder < b.folder ? -1 : 1));
  const folders = loaded.map((l) => l.folder);
  const manifests = loaded.map((l) => l.manifest);
  checkCompatible(folders, manifests);
  return { folders, manifests, hash };
}

/**
 * Reads a dataset folder, or a folder whose subfolders (recursively) are dataset folders such as shards:
 * validates manifests and versions, checks file hashes, checks the shards fit together and concatenates them.
 */
export async function readDataset(path: string): Promise<Dataset> {
  const { folders, manifests, hash } = loadManifests(path);
  const parts = [];
  const withGroups = manifests.some((m) => m.rows.groups !== undefined);
  for (const [i, folder] of folders.entries()) {
    parts.push({
      decisions: await readTableChecked(folder, manifests[i], "decisions"),
      tasks: await readTableChecked(folder, manifests[i], "tasks"),
      groups:
        manifests[i].rows.groups !== undefined
          ? await readTableChecked(folder, manifests[i], "groups")
          : emptyTable(GROUP_COLUMNS),
    });
  }
  if (parts.length > 1) {
    const ids = parts.map(
      (p) => new Set([...(p.decisions.stream_id as Int32Array), ...(p.tasks.stream_id as Int32Array)]),
    );
    checkStreamIds(folders, ids);
  }
  return {
    folders,
    manifests,
    decisions: concatColumns(
      DECISION_COLUMNS,
      parts.map((p) => p.decisions),
    ),
    tasks: concatColumns(
      TASK_COLUMNS,
      parts.map((p) => p.tasks),
    ),
    ...(withGroups
      ? {
          groups: concatColumns(
            GROUP_COLUMNS,
            parts.map((p) => p.groups),
          ),
        }
      : {}),
    hash,
  };
}

/** A table with no rows, in the column types the Parquet reader returns. */
function emptyTable(specs: readonly ColumnSpec[]): Columns {
  const typed = { INT32: Int32Array, INT64: Float64Array, FLOAT: Float32Array, DOUBLE: Float64Array } as const;
  return Object.fromEntries(
    specs.map((c) => [c.name, c.type in typed && !c.nullable ? new typed[c.type as keyof typeof typed](0) : []]),
  ) as Columns;
}
