import type { FileMetaData, PageHeader, SchemaElement } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import type { ColumnSpec, ColumnType } from "../schemas/dataset.js";
import { CuratorError } from "../errors.js";

/** Validation that runs before hyparquet decodes a file, so bad input becomes a CuratorError, never a hang. */

export function invalidFile(label: string, why: string): CuratorError {
  return new CuratorError(
    "INVALID_FILE",
    `'${label}' is not a readable Parquet table: ${why}. The file is truncated, corrupt or not Parquet; ` +
      `re-collect the dataset with \`curator collect\` (or restore the file from a copy).`,
  );
}

/** Physical type a spec column must have in the file (STRING is BYTE_ARRAY). */
function physicalOf(type: ColumnType): string {
  return type === "STRING" ? "BYTE_ARRAY" : type;
}

/** Every spec column is a top-level column of the expected physical type. Extra file columns are ignored. */
export function checkSchema(metadata: FileMetaData, specs: readonly ColumnSpec[], label: string): void {
  const top = new Map<string, SchemaElement>();
  const schema = metadata.schema;
  // Walk top-level elements only, skipping each nested group's descendants.
  for (let i = 1; i < schema.length;) {
    const el = schema[i];
    top.set(el.name, el);
    let skip = 1;
    let pending = el.num_children ?? 0;
    while (pending > 0 && i + skip < schema.length) {
      pending += (schema[i + skip].num_children ?? 0) - 1;
      skip++;
    }
    i += skip;
  }
  for (const spec of specs) {
    const el = top.get(spec.name);
    if (!el && spec.optional) continue;
    if (!el) {
      throw new CuratorError(
        "INVALID_FILE",
        `'${label}' has no column '${spec.name}' (a ${spec.type} column: ${spec.doc}). It was written by a ` +
          `different version of the toolkit or by another tool; re-collect the dataset with \`curator collect\`.`,
      );
    }
    const found = el.num_children ? "a nested group" : (el.type ?? "no type");
    if (found !== physicalOf(spec.type)) {
      throw new CuratorError(
        "INVALID_FILE",
        `'${label}' column '${spec.name}' has physical type ${found}, expected ${physicalOf(spec.type)} ` +
          `(${spec.type}). Re-collect the dataset with \`curator collect\`, or rewrite the column with that type.`,
      );
    }
  }
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;

/** Why a page header is unusable, or undefined when it is sound. */
function badHeader(h: PageHeader, room: number, groupRows: number): string | undefined {
  if (!isCount(h.compressed_page_size) || h.compressed_page_size > room)
    return "a page size runs past its column chunk";
  if (!isCount(h.uncompressed_page_size)) return "a page has an invalid uncompressed size";
  if (h.type === "DICTIONARY_PAGE")
    return isCount(h.dictionary_page_header?.num_values) ? undefined : "bad dictionary page";
  if (h.type === "DATA_PAGE_V2") {
    const d = h.data_page_header_v2;
    if (!d || !isCount(d.num_values) || !isCount(d.num_nulls) || !isCount(d.num_rows)) return "bad data page header";
    if (d.num_nulls > d.num_values || d.num_rows > groupRows || !d.encoding) return "bad data page header";
    const levels = d.definition_levels_byte_length + d.repetition_levels_byte_length;
    if (
      !isCount(d.definition_levels_byte_length) ||
      !isCount(d.repetition_levels_byte_length) ||
      levels > h.compressed_page_size
    ) {
      return "bad data page levels";
    }
    return undefined;
  }
  if (h.type === "DATA_PAGE") {
    const d = h.data_page_header;
    return d && isCount(d.num_values) && d.num_values <= groupRows && d.encoding ? undefined : "bad data page header";
  }
  return `unexpected page type ${String(h.type)}`;
}

/**
 * Walks the page headers of every requested column chunk: chunks inside the file, page sizes inside their
 * chunk, counts non-negative, and the pages' rows adding up to the row group's. hyparquet trusts these fields
 * and can loop forever on a corrupted one.
 */
export function checkPages(
  file: ArrayBuffer,
  metadata: FileMetaData,
  specs: readonly ColumnSpec[],
  label: string,
): void {
  checkRowCounts(metadata, label);
  for (let g = 0; g < metadata.row_groups.length; g++) checkGroupPages(file, 0, metadata, g, specs, label);
}

/** The row groups' row counts are counts and add up to the footer's. */
export function checkRowCounts(metadata: FileMetaData, label: string): void {
  const totalRows = Number(metadata.num_rows);
  let groupSum = 0;
  for (const [g, rg] of metadata.row_groups.entries()) {
    const groupRows = Number(rg.num_rows);
    if (!isCount(groupRows)) throw invalidFile(label, `row group ${g} has an invalid row count`);
    groupSum += groupRows;
  }
  if (!isCount(totalRows) || groupSum !== totalRows) {
    throw invalidFile(label, `the footer says ${String(metadata.num_rows)} rows but its row groups hold ${groupSum}`);
  }
}

/** The byte range [start, end) of the requested column chunks of row group `g`, checked to lie inside the file. */
export function groupByteRange(
  metadata: FileMetaData,
  g: number,
  specs: readonly ColumnSpec[],
  fileBytes: number,
  label: string,
): [number, number] {
  const wanted = new Set(specs.map((s) => s.name));
  let lo = Infinity;
  let hi = 0;
  for (const chunk of metadata.row_groups[g].columns) {
    const meta = chunk.meta_data;
    if (!meta || !wanted.has(meta.path_in_schema[0])) continue;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const end = start + Number(meta.total_compressed_size);
    if (!isCount(start) || !(end > start) || end > fileBytes) {
      throw invalidFile(label, `column '${meta.path_in_schema[0]}' row group ${g} lies outside the file`);
    }
    lo = Math.min(lo, start);
    hi = Math.max(hi, end);
  }
  return lo < hi ? [lo, hi] : [0, 0];
}

/**
 * Walks the page headers of the requested column chunks of row group `g`: chunks inside the file, page sizes
 * inside their chunk, counts non-negative, and the pages' rows adding up to the row group's. hyparquet trusts
 * these fields and can loop forever on a corrupted one. `bytes` holds the file from offset `base` on.
 */
export function checkGroupPages(
  bytes: ArrayBuffer,
  base: number,
  metadata: FileMetaData,
  g: number,
  specs: readonly ColumnSpec[],
  label: string,
): void {
  const wanted = new Set(specs.map((s) => s.name));
  const rg = metadata.row_groups[g];
  const groupRows = Number(rg.num_rows);
  for (const chunk of rg.columns) {
    const meta = chunk.meta_data;
    if (!meta || !wanted.has(meta.path_in_schema[0])) continue;
    const where = `column '${meta.path_in_schema[0]}' row group ${g}`;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset) - base;
    const end = start + Number(meta.total_compressed_size);
    if (!isCount(start) || !(end > start) || end > bytes.byteLength)
      throw invalidFile(label, `${where} lies outside the file`);
    const view = new DataView(bytes, start, end - start);
    const reader = { view, offset: 0 };
    let rows = 0;
    while (reader.offset < view.byteLength - 1) {
      let header: PageHeader;
      try {
        header = parquetHeader(reader);
      } catch (e) {
        throw invalidFile(label, `${where} has an unreadable page header (${(e as Error).message})`);
      }
      const why = badHeader(header, view.byteLength - reader.offset, groupRows);
      if (why) throw invalidFile(label, `${where}: ${why}`);
      rows += header.data_page_header_v2?.num_rows ?? header.data_page_header?.num_values ?? 0;
      reader.offset += header.compressed_page_size;
    }
    if (rows !== groupRows) throw invalidFile(label, `${where} holds ${rows} rows, its row group ${groupRows}`);
  }
}
