import { readFileSync } from "node:fs";
import { parquetMetadata, parquetRead, type FileMetaData } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ByteWriter, parquetWrite, type ColumnSource } from "hyparquet-writer";
import type { ColumnSpec, ColumnType } from "../schemas/dataset.js";
import { checkPages, checkSchema, invalidFile } from "./parquet-check.js";
import { CuratorError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";

/**
 * In-memory column, by ColumnSpec type: INT32 → Int32Array, INT64 → Float64Array (exact integers, refused
 * beyond 2^53), FLOAT → Float32Array, DOUBLE → Float64Array, BOOLEAN → Uint8Array (0/1), STRING → string[].
 * A nullable numeric or boolean column is a Float64Array with NaN for null; a nullable STRING has nulls.
 */
export type ColumnArray = Int32Array | Float32Array | Float64Array | Uint8Array | (string | null)[];
export type Columns = Record<string, ColumnArray>;
/** What writeTable accepts per column: a typed array or a plain array (INT64 as number or bigint). */
export type ColumnInput = ArrayLike<number | bigint | string | boolean | null | undefined>;

/** Rows per row group: small enough to bound peak memory, large enough for DuckDB and compression. */
const ROW_GROUP_SIZE = 131_072;
const TWO_POW_63 = 2n ** 63n;

function badColumn(name: string, row: number, value: unknown, expected: string): CuratorError {
  return new CuratorError(
    "BAD_ARGUMENT",
    `Cannot write column '${name}': row ${row} holds ${String(value)} but the column expects ${expected}. ` +
      `Fix the code that produced the table so every value fits the column's declared type.`,
  );
}

function isNull(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

const EXPECTED: Record<ColumnType, string> = {
  INT32: "a 32-bit integer",
  INT64: "a 64-bit integer (a safe-integer number or a bigint)",
  FLOAT: "a number",
  DOUBLE: "a number",
  BOOLEAN: "a boolean (true/false or 1/0)",
  STRING: "a string",
};

/** One non-null input value in the form hyparquet-writer encodes, or a CuratorError naming column and row. */
function toValue(spec: ColumnSpec, v: unknown, row: number): number | bigint | string | boolean {
  switch (spec.type) {
    case "INT32":
      if (typeof v === "number" && (v | 0) === v) return v;
      break;
    case "INT64":
      if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === "bigint" && v >= -TWO_POW_63 && v < TWO_POW_63) return v;
      break;
    case "FLOAT":
    case "DOUBLE":
      if (typeof v === "number") return v;
      break;
    case "BOOLEAN":
      if (v === true || v === 1) return true;
      if (v === false || v === 0) return false;
      break;
    case "STRING":
      if (typeof v === "string") return v;
      break;
  }
  throw badColumn(spec.name, row, v, EXPECTED[spec.type]);
}

const TYPED = { INT32: Int32Array, INT64: BigInt64Array, FLOAT: Float32Array, DOUBLE: Float64Array } as const;

/** Converts one input column to what hyparquet-writer encodes fastest: typed arrays wherever possible. */
function toWritable(spec: ColumnSpec, input: ColumnInput, rows: number): ColumnSource["data"] {
  if (spec.nullable) {
    let nulls = 0;
    for (let i = 0; i < rows; i++) if (isNull(input[i])) nulls++;
    if (nulls > 0) {
      // Null slots need a plain array (the writer reads null as "absent").
      const out: unknown[] = new Array(rows);
      for (let i = 0; i < rows; i++) {
        const v = input[i];
        out[i] = isNull(v) ? null : toValue(spec, v, i);
      }
      return out as ColumnSource["data"];
    }
  }
  if (spec.type === "BOOLEAN" || spec.type === "STRING") {
    const out: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) out[i] = toValue(spec, input[i], i);
    return out as ColumnSource["data"];
  }
  const Ctor = TYPED[spec.type];
  if (input instanceof Ctor) return input.length === rows ? input : input.subarray(0, rows);
  const out = new Ctor(rows);
  for (let i = 0; i < rows; i++) out[i] = toValue(spec, input[i], i) as never;
  return out;
}

const BASIC_TYPE: Record<ColumnType, NonNullable<ColumnSource["type"]>> = {
  INT32: "INT32",
  INT64: "INT64",
  FLOAT: "FLOAT",
  DOUBLE: "DOUBLE",
  STRING: "STRING",
  BOOLEAN: "BOOLEAN",
};

export interface WriteOptions {
  /** Rows per row group (default 131072). */
  rowGroupSize?: number;
}

/** Encodes a table as Parquet bytes. Deterministic: same input, same bytes (no timestamps, fixed writer id). */
export function encodeTable(
  specs: readonly ColumnSpec[],
  columns: Record<string, ColumnInput>,
  rows: number,
  opts: WriteOptions = {},
): Uint8Array {
  // An optional column the data lacks (rows merged from files that predate it) is not written.
  const columnData: ColumnSource[] = specs
    .filter((spec) => !spec.optional || columns[spec.name] !== undefined)
    .map((spec) => {
      const input = columns[spec.name];
      if (input === undefined) {
        throw new CuratorError(
          "BAD_ARGUMENT",
          `Cannot write table: column '${spec.name}' is missing from the data (expected ${specs.length} columns: ` +
            `${specs.map((s) => s.name).join(", ")}). Provide every column the schema declares.`,
        );
      }
      if (input.length < rows) {
        throw new CuratorError(
          "BAD_ARGUMENT",
          `Cannot write table: column '${spec.name}' has ${input.length} values but the table has ${rows} rows. ` +
            `Give every column one value per row.`,
        );
      }
      return {
        name: spec.name,
        data: toWritable(spec, input, rows),
        type: BASIC_TYPE[spec.type],
        nullable: spec.nullable === true,
        // Statistics and the dictionary trial are the writer's slow paths and buy little here (numbers are
        // near-unique or snappy-compressible); strings keep dictionaries (executor names, item ids repeat).
        statistics: false,
        ...(spec.type !== "STRING" ? { encoding: "PLAIN" as const } : {}),
      };
    });
  const writer = new ByteWriter();
  const rowGroupSize = opts.rowGroupSize ?? ROW_GROUP_SIZE;
  // pageSize 0: one page per column chunk, skipping the writer's per-value page-size estimate.
  parquetWrite({ writer, columnData, rowGroupSize, createdBy: "curator-toolkit", pageSize: 0 });
  return writer.getBytes();
}

/** Writes one Parquet file atomically (temp file, then rename). */
export function writeTable(
  path: string,
  specs: readonly ColumnSpec[],
  columns: Record<string, ColumnInput>,
  rows: number,
  opts: WriteOptions = {},
): void {
  writeFileAtomic(path, encodeTable(specs, columns, rows, opts));
}

/** Reads a Parquet file into columns, checking each spec column is present with the right physical type. */
export async function readTable(path: string, specs: readonly ColumnSpec[]): Promise<Columns> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new CuratorError(
        "FILE_NOT_FOUND",
        `Parquet file '${path}' does not exist. Check the path, or re-create the dataset with \`curator collect\`.`,
      );
    }
    throw new CuratorError("INVALID_FILE", `Cannot read Parquet file '${path}': ${(e as Error).message}.`);
  }
  return decodeTable(bytes, specs, path);
}

/** Decodes Parquet bytes; `label` names the file in errors. */
export async function decodeTable(bytes: Uint8Array, allSpecs: readonly ColumnSpec[], label: string): Promise<Columns> {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const file = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (e) {
    throw invalidFile(label, (e as Error).message);
  }
  checkSchema(metadata, allSpecs, label);
  // Optional columns (added to a released schema) that this file predates are left out of the result.
  const specs = allSpecs.filter((s) => !s.optional || metadata.schema.some((e, i) => i > 0 && e.name === s.name));
  checkPages(file, metadata, specs, label);
  const rows = Number(metadata.num_rows);
  const out: Columns = {};
  const filled: Record<string, number> = {};
  for (const spec of specs) {
    out[spec.name] = allocateColumn(spec, rows);
    filled[spec.name] = 0;
  }
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  // hyparquet calls onChunk from detached promise callbacks, so a throw there would go unhandled: keep it.
  let failure: unknown;
  try {
    await parquetRead({
      file,
      metadata,
      compressors,
      columns: specs.map((s) => s.name),
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        if (failure) return;
        try {
          copyInto(bySpec.get(columnName)!, out[columnName], columnData as ArrayLike<unknown>, rowStart, label);
          filled[columnName] += rowEnd - rowStart;
        } catch (e) {
          failure = e;
        }
      },
    });
  } catch (e) {
    failure ??= e;
  }
  if (failure) throw failure instanceof CuratorError ? failure : invalidFile(label, (failure as Error).message);
  for (const spec of specs) {
    if (filled[spec.name] !== rows) {
      throw invalidFile(
        label,
        `column '${spec.name}' holds ${filled[spec.name]} values but the footer says ${rows} rows`,
      );
    }
  }
  return out;
}

/** The in-memory column for a spec (the mapping documented at ColumnArray), zero-filled. */
export function allocateColumn(spec: ColumnSpec, rows: number): ColumnArray {
  if (spec.type === "STRING") return new Array<string | null>(rows);
  if (spec.nullable) return new Float64Array(rows);
  switch (spec.type) {
    case "INT32":
      return new Int32Array(rows);
    case "FLOAT":
      return new Float32Array(rows);
    case "BOOLEAN":
      return new Uint8Array(rows);
    default:
      return new Float64Array(rows);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function copyInto(
  spec: ColumnSpec,
  target: ColumnArray,
  src: ArrayLike<unknown>,
  at: number,
  label: string,
): void {
  const n = src.length;
  if (at + n > target.length) throw invalidFile(label, `column '${spec.name}' holds more rows than the footer says`);
  // Fast path: a required numeric page decodes to the very typed array we store.
  if (ArrayBuffer.isView(src) && src.constructor === target.constructor) {
    (target as Float64Array).set(src as Float64Array, at);
    return;
  }
  const nullAt = (i: number) => {
    if (!spec.nullable) throw invalidFile(label, `column '${spec.name}' row ${at + i} is null but may not hold nulls`);
  };
  if (spec.type === "STRING") {
    const t = target as (string | null)[];
    const s = src as ArrayLike<string | null>;
    for (let i = 0; i < n; i++) {
      const v = s[i];
      if (v === null || v === undefined) nullAt(i);
      t[at + i] = v ?? null;
    }
    return;
  }
  const t = target as Float64Array; // also Int32Array / Float32Array / Uint8Array: same indexing
  if (spec.type === "BOOLEAN") {
    const s = src as ArrayLike<boolean | null>;
    for (let i = 0; i < n; i++) {
      const v = s[i];
      if (v === null || v === undefined) {
        nullAt(i);
        t[at + i] = NaN;
      } else t[at + i] = v ? 1 : 0;
    }
    return;
  }
  if (spec.type === "INT64") {
    const s = src as ArrayLike<bigint | null>;
    for (let i = 0; i < n; i++) {
      const v = s[i];
      if (v === null || v === undefined) {
        nullAt(i);
        t[at + i] = NaN;
      } else if (v > MAX_SAFE || v < -MAX_SAFE) {
        throw new CuratorError(
          "INVALID_FILE",
          `'${label}' column '${spec.name}' row ${at + i} holds ${v}, beyond ±2^53, which this toolkit cannot ` +
            `hold exactly as a number. Re-collect the dataset with values (seeds) below 2^53.`,
        );
      } else t[at + i] = Number(v);
    }
    return;
  }
  const s = src as ArrayLike<number | null>;
  for (let i = 0; i < n; i++) {
    const v = s[i];
    if (v === null || v === undefined) {
      nullAt(i);
      t[at + i] = NaN;
    } else t[at + i] = v;
  }
}

/** Row count of a set of columns (0 when there are none). */
export function columnRows(columns: Columns): number {
  for (const k in columns) return columns[k].length;
  return 0;
}
