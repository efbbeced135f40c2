/**
 * parquet.write / parquet.read: decision rows per second for a 1M-row decisions table (DECISION_COLUMNS, as
 * `curator collect` writes it) through src/data/parquet.ts (hyparquet-writer / hyparquet, one core), against
 * DuckDB (one thread) appending the same columns and COPYing them to Parquet, and loading the same file with
 * read_parquet into its own in-memory table (no conversion to JS, which favours DuckDB).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DECISION_COLUMNS } from "../schemas/dataset.js";
import { readTable, writeTable, type ColumnInput, type Columns } from "../data/parquet.js";
import { duckdbReadTable, duckdbWriteTable } from "../data/duckdb.js";
import { interleaved, median, row, speedup, type BenchOptions, type BenchRow } from "./harness.js";

/** The first `rows` rows; nullable columns as (number | null)[] so both writers see the same nulls. */
export function tableInput(columns: Columns, rows: number): Record<string, ColumnInput> {
  const out: Record<string, ColumnInput> = {};
  for (const spec of DECISION_COLUMNS) {
    const c = columns[spec.name];
    const head = Array.isArray(c) ? c.slice(0, rows) : c.subarray(0, rows);
    out[spec.name] = spec.nullable ? Array.from(head as ArrayLike<number>, (v) => (Number.isNaN(v) ? null : v)) : head;
  }
  return out;
}

export async function benchParquet(
  o: BenchOptions,
  columns: Columns,
  rows: number,
  source: string,
): Promise<BenchRow[]> {
  const runs = o.quick ? 2 : 3;
  const dir = mkdtempSync(join(tmpdir(), "curator-bench-parquet-"));
  const ours = join(dir, "ours.parquet");
  const duck = join(dir, "duckdb.parquet");
  const input = tableInput(columns, rows);
  o.log(`parquet: ${rows} rows x ${DECISION_COLUMNS.length} columns, ${runs} runs each after a warm-up`);
  try {
    const [wOurs, wDuck] = await interleaved(
      () => writeTable(ours, DECISION_COLUMNS, input, rows),
      () => duckdbWriteTable(duck, DECISION_COLUMNS, input, rows, 1),
      runs,
    );
    const [rOurs, rDuck] = await interleaved(
      () => readTable(ours, DECISION_COLUMNS),
      () => duckdbReadTable(ours, { threads: 1 }),
      runs,
    );
    const mb = (p: string) => (statSync(p).size / 1e6).toFixed(0);
    const what = `${rows.toLocaleString("en-US")} rows × ${DECISION_COLUMNS.length} columns (${source})`;
    const mk = (name: string, oursS: number[], peerS: number[], note: string): BenchRow => {
      const value = rows / median(oursS);
      const peerValue = rows / median(peerS);
      const s = speedup(value, peerValue, true);
      return row({
        name,
        value,
        unit: "rows/s",
        peer: "duckdb",
        peerValue,
        speedup: s,
        target: "speedup ≥ 0.3",
        pass: s === null ? null : s >= 0.3,
        note,
      });
    };
    return [
      mk(
        "parquet.write",
        wOurs,
        wDuck,
        `writeTable (hyparquet-writer) vs DuckDB appender + COPY TO parquet (1 thread), ${what}; files ${mb(ours)} MB vs ${mb(duck)} MB; median of ${runs}, alternating, after a warm-up`,
      ),
      mk(
        "parquet.read",
        rOurs,
        rDuck,
        `readTable (hyparquet, to typed arrays) vs DuckDB read_parquet into its own table (1 thread), the same file; median of ${runs}, alternating, after a warm-up`,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
