import { describe, expect, it } from "vitest";
import { join } from "node:path";
import type { ColumnSpec } from "../../src/schemas/dataset.js";
import { CuratorError } from "../../src/errors.js";
import { readTable, writeTable } from "../../src/data/parquet.js";
import { duckdbReadTable, duckdbWriteTable, queryParquet, sqlString } from "../../src/data/duckdb.js";
import { tempDir } from "./fixtures.js";

const SPECS: ColumnSpec[] = [
  { name: "id", type: "INT32", doc: "" },
  { name: "seed", type: "INT64", doc: "" },
  { name: "x", type: "FLOAT", doc: "" },
  { name: "y", type: "DOUBLE", doc: "" },
  { name: "name", type: "STRING", doc: "" },
  { name: "ok", type: "BOOLEAN", doc: "" },
  { name: "cf", type: "DOUBLE", nullable: true, doc: "" },
];

describe("DuckDB reads our Parquet", () => {
  it("reads every type through read_parquet('DIR/**/*.parquet'), INT64 beyond 2^53 exactly", async () => {
    const dir = tempDir();
    const big = 2n ** 62n + 12345n;
    writeTable(
      join(dir, "a", "t.parquet"),
      SPECS,
      {
        id: [1, 2],
        seed: [big, -(2n ** 63n)],
        x: [0.5, -1.25],
        y: [Math.PI, 1e300],
        name: ["ä", "b"],
        ok: [1, 0],
        cf: [null, 2.5],
      },
      2,
    );
    writeTable(
      join(dir, "b", "c", "t.parquet"),
      SPECS,
      {
        id: [3],
        seed: [Number.MAX_SAFE_INTEGER],
        x: [3],
        y: [0],
        name: [""],
        ok: [true],
        cf: [NaN],
      },
      1,
    );
    const rows = await queryParquet(
      `SELECT id, seed, seed::VARCHAR AS seed_text, x, y, name, ok, cf FROM read_parquet(${sqlString(join(dir, "**/*.parquet"))}) ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, seed: big, seed_text: big.toString(), x: 0.5, y: Math.PI, name: "ä", ok: true, cf: null },
      {
        id: 2,
        seed: -(2n ** 63n),
        seed_text: (-(2n ** 63n)).toString(),
        x: -1.25,
        y: 1e300,
        name: "b",
        ok: false,
        cf: 2.5,
      },
      {
        id: 3,
        seed: Number.MAX_SAFE_INTEGER,
        seed_text: String(Number.MAX_SAFE_INTEGER),
        x: 3,
        y: 0,
        name: "",
        ok: true,
        cf: null,
      },
    ]);
    const types = await queryParquet(`DESCRIBE SELECT * FROM read_parquet(${sqlString(join(dir, "a", "t.parquet"))})`);
    expect(types.map((t) => t.column_type)).toEqual([
      "INTEGER",
      "BIGINT",
      "FLOAT",
      "DOUBLE",
      "VARCHAR",
      "BOOLEAN",
      "DOUBLE",
    ]);
  });

  it("turns a failing query into a CuratorError quoting the query", async () => {
    const missing = join(tempDir(), "none", "*.parquet");
    await expect(queryParquet(`SELECT * FROM read_parquet(${sqlString(missing)})`)).rejects.toSatisfy(
      (e: unknown) => e instanceof CuratorError && e.message.includes(missing),
    );
  });

  it("peer helpers write and read a same-shaped table", async () => {
    const dir = tempDir();
    const cols = {
      id: [1, 2, 3],
      seed: [7, 8, 9],
      x: [1, 2, 3],
      y: [4, 5, 6],
      name: ["a", "b", "c"],
      ok: [1, 0, 1],
      cf: [NaN, 1, NaN],
    };
    await duckdbWriteTable(join(dir, "d.parquet"), SPECS, cols, 3);
    expect(await duckdbReadTable(join(dir, "d.parquet"))).toEqual({ rows: 3 });
    const back = await readTable(join(dir, "d.parquet"), SPECS);
    expect([...back.cf]).toEqual([NaN, 1, NaN]);
    expect((await duckdbReadTable(join(dir, "d.parquet"), { toJs: true })).columns?.name).toEqual(["a", "b", "c"]);
  });
});
