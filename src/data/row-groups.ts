/**
 * Parquet read one row group at a time, straight from the file: the footer, then only the byte range of the
 * requested columns of one row group. What streaming training reads with, so memory holds a row group, never
 * a file (a part file is up to 1M rows; a row group 131,072).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { parquetMetadata, parquetRead, type FileMetaData } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import type { ColumnSpec } from "../schemas/dataset.js";
import { checkGroupPages, checkRowCounts, checkSchema, groupByteRange, invalidFile } from "./parquet-check.js";
import { allocateColumn, copyInto, type Columns } from "./parquet.js";
import { CuratorError } from "../errors.js";

export interface ParquetGroups {
  path: string;
  metadata: FileMetaData;
  /** Rows of each row group, in file order. */
  groupRows: number[];
  rows: number;
}

function readAt(fd: number, start: number, end: number): ArrayBuffer {
  const buf = new Uint8Array(end - start);
  for (let off = 0; off < buf.length;) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n <= 0) throw new Error(`short read at byte ${start + off}`);
    off += n;
  }
  return buf.buffer;
}

function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Parquet file '${path}' cannot be read. Restore it from a copy or re-collect the dataset with \`curator collect\`.`,
    );
  }
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** Reads and checks a file's footer (schema, row counts) without reading its data. */
export function openParquetGroups(path: string, specs: readonly ColumnSpec[]): ParquetGroups {
  const metadata = withFile(path, (fd, size) => {
    if (size < 12) throw invalidFile(path, `it is ${size} bytes long, shorter than any Parquet file`);
    const tail = new DataView(readAt(fd, size - 8, size));
    const footer = tail.getUint32(0, true) + 8;
    if (footer > size) throw invalidFile(path, "its footer length runs past the start of the file");
    try {
      return parquetMetadata(readAt(fd, size - footer, size));
    } catch (e) {
      throw invalidFile(path, (e as Error).message);
    }
  });
  checkSchema(metadata, specs, path);
  checkRowCounts(metadata, path);
  const groupRows = metadata.row_groups.map((g) => Number(g.num_rows));
  return { path, metadata, groupRows, rows: Number(metadata.num_rows) };
}

/** Decodes the `specs` columns of row group `g` (the ColumnArray mapping of parquet.ts). */
export async function readRowGroup(file: ParquetGroups, g: number, specs: readonly ColumnSpec[]): Promise<Columns> {
  const { path, metadata } = file;
  const rows = file.groupRows[g];
  const first = file.groupRows.slice(0, g).reduce((s, n) => s + n, 0);
  const { bytes, base, size } = withFile(path, (fd, size) => {
    const [lo, hi] = groupByteRange(metadata, g, specs, size, path);
    return { bytes: readAt(fd, lo, hi), base: lo, size };
  });
  checkGroupPages(bytes, base, metadata, g, specs, path);
  // hyparquet asks for byte ranges by file offset; every range it needs lies in the one read above.
  const source = {
    byteLength: size,
    slice(start: number, end?: number): ArrayBuffer {
      const e = end ?? size;
      if (start < base || e > base + bytes.byteLength) throw new Error(`read outside row group ${g} (${start}..${e})`);
      return bytes.slice(start - base, e - base);
    },
  };
  const out: Columns = {};
  const filled: Record<string, number> = {};
  for (const spec of specs) {
    out[spec.name] = allocateColumn(spec, rows);
    filled[spec.name] = 0;
  }
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  let failure: unknown;
  try {
    await parquetRead({
      file: source,
      metadata,
      compressors,
      columns: specs.map((s) => s.name),
      rowStart: first,
      rowEnd: first + rows,
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        if (failure) return;
        try {
          copyInto(bySpec.get(columnName)!, out[columnName], columnData as ArrayLike<unknown>, rowStart - first, path);
          filled[columnName] += rowEnd - rowStart;
        } catch (e) {
          failure = e;
        }
      },
    });
  } catch (e) {
    failure ??= e;
  }
  if (failure) throw failure instanceof CuratorError ? failure : invalidFile(path, (failure as Error).message);
  for (const spec of specs)
    if (filled[spec.name] !== rows)
      throw invalidFile(
        path,
        `column '${spec.name}' row group ${g} holds ${filled[spec.name]} values, its footer ${rows}`,
      );
  return out;
}

/** sha256 hex of a file, read in 8 MB pieces. */
export function sha256File(path: string): string {
  return withFile(path, (fd, size) => {
    const h = createHash("sha256");
    const buf = new Uint8Array(Math.min(size, 8 << 20) || 1);
    for (let off = 0; off < size;) {
      const n = readSync(fd, buf, 0, buf.length, off);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
    return h.digest("hex");
  });
}
