/**
 * A dataset opened for streaming: manifests checked and every part file's sha256 and footer verified, but no
 * column read. Rows are then read one row group at a time (row-groups.ts), in dataset order: folders by
 * shard index, part files in order, row groups in order — the order readDataset concatenates them in.
 */
import { join } from "node:path";
import {
  checkFileHash,
  checkFileRows,
  checkTableRows,
  listedTableFiles,
  loadManifests,
  TABLES,
  type Dataset,
  type TableName,
} from "./dataset.js";
import { openParquetGroups, readRowGroup, sha256File, type ParquetGroups } from "./row-groups.js";
import type { ColumnSpec } from "../schemas/dataset.js";
import type { Columns } from "./parquet.js";

/** One row group of the dataset, located. */
export interface GroupRef {
  /** Index into StreamedTable.files. */
  file: number;
  group: number;
  rows: number;
  /** Row index of its first row in the whole table (readDataset's concatenation). */
  firstRow: number;
}

export interface StreamedTable extends Pick<Dataset, "folders" | "manifests" | "hash"> {
  table: TableName;
  /** Part files in dataset order, with the index of the folder each belongs to. */
  files: Array<ParquetGroups & { folder: number }>;
  groups: GroupRef[];
  rows: number;
}

/** Opens one table of a dataset (a folder or a folder of shard folders) for reading row group by row group. */
export function openTableStream(path: string, table: TableName): StreamedTable {
  const { folders, manifests, hash } = loadManifests(path);
  const files: StreamedTable["files"] = [];
  const groups: GroupRef[] = [];
  let rows = 0;
  folders.forEach((folder, k) => {
    const m = manifests[k];
    const names = listedTableFiles(folder, m, table);
    let total = 0;
    for (const name of names) {
      const path = join(folder, name);
      const entry = m.files[name];
      checkFileHash(path, sha256File(path), entry);
      const f = openParquetGroups(path, TABLES[table]);
      checkFileRows(path, f.rows, entry);
      f.groupRows.forEach((n, g) => {
        groups.push({ file: files.length, group: g, rows: n, firstRow: rows });
        rows += n;
      });
      files.push({ ...f, folder: k });
      total += f.rows;
    }
    checkTableRows(folder, m, table, total);
  });
  return { folders, manifests, hash, table, files, groups, rows };
}

/** The given columns of one row group. */
export function readGroup(t: StreamedTable, ref: GroupRef, specs: readonly ColumnSpec[]): Promise<Columns> {
  return readRowGroup(t.files[ref.file], ref.group, specs);
}

/** The file and row (1-based, within the file) of a row of the table. */
export function locateRow(t: StreamedTable, ref: GroupRef, rowInGroup: number): { path: string; row: number } {
  const f = t.files[ref.file];
  const before = t.groups.filter((g) => g.file === ref.file && g.group < ref.group).reduce((s, g) => s + g.rows, 0);
  return { path: f.path, row: before + rowInGroup + 1 };
}
