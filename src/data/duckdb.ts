import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  FLOAT,
  INTEGER,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { ColumnSpec, ColumnType } from "../schemas/dataset.js";
import { CuratorError } from "../errors.js";
import type { ColumnInput } from "./parquet.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Runs `use` on a fresh in-memory DuckDB connection, closing it afterwards. */
async function withDuckdb<T>(threads: number | undefined, use: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:", threads ? { threads: String(threads) } : {});
  const connection = await instance.connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** SQL string literal (paths go into COPY / read_parquet, which take no bound parameters). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function unBigint(v: unknown): unknown {
  return typeof v === "bigint" && v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

/**
 * Runs SQL in an in-memory DuckDB (e.g. `SELECT … FROM read_parquet('DIR/**\/*.parquet')`) and returns row
 * objects. BIGINTs become numbers when exactly representable and stay bigint otherwise.
 */
export async function queryParquet(sql: string): Promise<Record<string, unknown>[]> {
  return withDuckdb(undefined, async (c) => {
    let rows: Record<string, unknown>[];
    try {
      rows = (await c.runAndReadAll(sql)).getRowObjectsJS();
    } catch (e) {
      throw new CuratorError(
        "BAD_ARGUMENT",
        `DuckDB could not run the query: ${(e as Error).message.split("\n")[0]}. Query: ${sql}. ` +
          `Check the SQL and that the Parquet paths it reads exist.`,
      );
    }
    for (const row of rows) for (const k in row) row[k] = unBigint(row[k]);
    return rows;
  });
}

const DUCK_TYPE: Record<ColumnType, [string, DuckDBType]> = {
  INT32: ["INTEGER", INTEGER],
  INT64: ["BIGINT", BIGINT],
  FLOAT: ["FLOAT", FLOAT],
  DOUBLE: ["DOUBLE", DOUBLE],
  STRING: ["VARCHAR", VARCHAR],
  BOOLEAN: ["BOOLEAN", BOOLEAN],
};

function duckValue(type: ColumnType, v: ColumnInput[number]): DuckDBValue {
  if (
    v === null ||
    v === undefined ||
    (typeof v === "number" && Number.isNaN(v) && type !== "FLOAT" && type !== "DOUBLE")
  ) {
    return null;
  }
  if (type === "INT64") return typeof v === "bigint" ? v : BigInt(v as number);
  if (type === "BOOLEAN") return v === true || v === 1;
  return v as DuckDBValue;
}

/**
 * Benchmark peer of writeTable: appends the same columns to a DuckDB table in 2048-row chunks, then
 * `COPY … TO path (FORMAT parquet)`. `threads` pins DuckDB's worker count (default 1, like our writer).
 */
export async function duckdbWriteTable(
  path: string,
  specs: readonly ColumnSpec[],
  columns: Record<string, ColumnInput>,
  rows: number,
  threads = 1,
): Promise<void> {
  await withDuckdb(threads, async (c) => {
    const ddl = specs.map((s) => `"${s.name}" ${DUCK_TYPE[s.type][0]}`).join(", ");
    await c.run(`CREATE TABLE t (${ddl})`);
    const appender = await c.createAppender("t");
    const types = specs.map((s) => DUCK_TYPE[s.type][1]);
    for (let start = 0; start < rows; start += 2048) {
      const n = Math.min(2048, rows - start);
      const chunk = DuckDBDataChunk.create(types, n);
      chunk.setColumns(
        specs.map((s) => {
          const src = columns[s.name];
          const out: DuckDBValue[] = new Array(n);
          for (let i = 0; i < n; i++) out[i] = duckValue(s.type, src[start + i]);
          return out;
        }),
      );
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    await c.run(`COPY t TO ${sqlString(path)} (FORMAT parquet)`);
  });
}

/**
 * Benchmark peer of readTable: loads a Parquet file into a DuckDB in-memory table via read_parquet and
 * returns its row count. `toJs` also materialises every column as JS arrays (what a JS consumer would pay).
 */
export async function duckdbReadTable(
  path: string,
  opts: { threads?: number; toJs?: boolean } = {},
): Promise<{ rows: number; columns?: Record<string, unknown[]> }> {
  return withDuckdb(opts.threads ?? 1, async (c) => {
    await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlString(path)})`);
    const count = (await c.runAndReadAll("SELECT count(*) AS n FROM t")).getRowObjectsJS()[0].n;
    const rows = Number(count);
    if (!opts.toJs) return { rows };
    return { rows, columns: (await c.runAndReadAll("SELECT * FROM t")).getColumnsObjectJS() };
  });
}
