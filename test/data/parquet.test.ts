import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ColumnSpec } from "../../src/schemas/dataset.js";
import { CuratorError } from "../../src/errors.js";
import { encodeTable, readTable, writeTable } from "../../src/data/parquet.js";
import { duckdbWriteTable } from "../../src/data/duckdb.js";
import { tempDir } from "./fixtures.js";

const SPECS: ColumnSpec[] = [
  { name: "i32", type: "INT32", doc: "int32" },
  { name: "i64", type: "INT64", doc: "int64" },
  { name: "f32", type: "FLOAT", doc: "float" },
  { name: "f64", type: "DOUBLE", doc: "double" },
  { name: "s", type: "STRING", doc: "string" },
  { name: "b", type: "BOOLEAN", doc: "boolean" },
  { name: "nd", type: "DOUBLE", nullable: true, doc: "nullable double" },
  { name: "ni", type: "INT32", nullable: true, doc: "nullable int" },
];

function sample(rows: number) {
  const i32 = new Int32Array(rows);
  const i64: number[] = [];
  const f32 = new Float32Array(rows);
  const f64 = new Float64Array(rows);
  const s: string[] = [];
  const b = new Uint8Array(rows);
  const nd: (number | null)[] = [];
  const ni = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    i32[r] = r % 2 ? -r * 1000 : r;
    i64.push(r % 2 ? Number.MAX_SAFE_INTEGER - r : r === 0 ? 0 : -r * 1e9);
    f32[r] = r / 3;
    f64[r] = Math.PI * r;
    s.push(r % 4 === 0 ? "héllo ✓" : `item-${r % 7}`);
    b[r] = r % 3 === 0 ? 1 : 0;
    nd.push(r % 5 === 0 ? null : r / 10);
    ni[r] = r % 4 === 1 ? NaN : r;
  }
  return { i32, i64, f32, f64, s, b, nd, ni };
}

async function expectCuratorError(p: Promise<unknown> | (() => unknown), code: string, ...parts: string[]) {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CuratorError);
  expect((err as CuratorError).code).toBe(code);
  for (const part of parts) expect((err as Error).message).toContain(part);
}

describe("parquet tables", () => {
  it("round-trips every column type into typed arrays, across row groups", async () => {
    const dir = tempDir();
    const data = sample(1000);
    writeTable(join(dir, "t.parquet"), SPECS, data, 1000, { rowGroupSize: 300 });
    const got = await readTable(join(dir, "t.parquet"), SPECS);
    expect(got.i32).toBeInstanceOf(Int32Array);
    expect(got.i64).toBeInstanceOf(Float64Array);
    expect(got.f32).toBeInstanceOf(Float32Array);
    expect(got.f64).toBeInstanceOf(Float64Array);
    expect(got.b).toBeInstanceOf(Uint8Array);
    expect(got.nd).toBeInstanceOf(Float64Array);
    expect(got.ni).toBeInstanceOf(Float64Array);
    expect([...got.i32]).toEqual([...data.i32]);
    expect([...got.i64]).toEqual(data.i64);
    expect([...got.f32]).toEqual([...data.f32]);
    expect([...got.f64]).toEqual([...data.f64]);
    expect(got.s).toEqual(data.s);
    expect([...got.b]).toEqual([...data.b]);
    expect([...got.nd]).toEqual(data.nd.map((v) => (v === null ? NaN : v)));
    expect([...got.ni]).toEqual([...data.ni]);
  });

  it("accepts bigint and plain-array input and writes zero-row tables", async () => {
    const dir = tempDir();
    const spec: ColumnSpec[] = [
      { name: "x", type: "INT64", doc: "" },
      { name: "ok", type: "BOOLEAN", doc: "" },
    ];
    writeTable(join(dir, "a.parquet"), spec, { x: [5n, -7n, 3], ok: [true, false, true] }, 3);
    expect(await readTable(join(dir, "a.parquet"), spec)).toEqual({
      x: new Float64Array([5, -7, 3]),
      ok: new Uint8Array([1, 0, 1]),
    });
    writeTable(join(dir, "e.parquet"), SPECS, sample(0), 0);
    const empty = await readTable(join(dir, "e.parquet"), SPECS);
    expect(empty.i32.length).toBe(0);
    expect(empty.s).toEqual([]);
  });

  it("writes identical bytes for identical input", () => {
    const data = sample(500);
    const a = encodeTable(SPECS, data, 500);
    const b = encodeTable(SPECS, sample(500), 500);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it("refuses INT64 values it cannot hold exactly, naming the column and row", async () => {
    const dir = tempDir();
    const spec: ColumnSpec[] = [{ name: "seed", type: "INT64", doc: "" }];
    writeTable(join(dir, "big.parquet"), spec, { seed: [1n, 2n ** 60n + 1n] }, 2);
    await expectCuratorError(
      readTable(join(dir, "big.parquet"), spec),
      "INVALID_FILE",
      "'seed'",
      "row 1",
      "1152921504606846977",
    );
  });

  it("refuses a bad value on write, naming column and row, and leaves no file", async () => {
    const dir = tempDir();
    const data = { ...sample(4), i32: [1, 2, 2.5, 4] };
    await expectCuratorError(
      () => writeTable(join(dir, "t.parquet"), SPECS, data, 4),
      "BAD_ARGUMENT",
      "'i32'",
      "row 2",
    );
    await expectCuratorError(() => writeTable(join(dir, "t.parquet"), SPECS, { i32: [1] }, 1), "BAD_ARGUMENT", "'i64'");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("turns a missing, truncated or non-Parquet file into a CuratorError naming the file", async () => {
    const dir = tempDir();
    const path = join(dir, "t.parquet");
    writeTable(path, SPECS, sample(200), 200);
    const bytes = readFileSync(path);
    await expectCuratorError(readTable(join(dir, "nope.parquet"), SPECS), "FILE_NOT_FOUND", "nope.parquet");
    for (const cut of [bytes.length - 3, Math.floor(bytes.length / 2), 6, 0]) {
      writeFileSync(path, bytes.subarray(0, cut));
      await expectCuratorError(readTable(path, SPECS), "INVALID_FILE", path, "re-collect");
    }
    writeFileSync(path, "stream_id,step\n1,2\n");
    await expectCuratorError(readTable(path, SPECS), "INVALID_FILE", path);
  });

  it("never crashes on bit-flipped files: a clean read or a CuratorError", async () => {
    const dir = tempDir();
    const path = join(dir, "t.parquet");
    writeTable(path, SPECS, sample(50), 50);
    const bytes = readFileSync(path);
    for (let k = 0; k < 60; k++) {
      const copy = Buffer.from(bytes);
      const at = (k * 7919) % copy.length;
      copy[at] ^= 1 << (k % 8);
      writeFileSync(path, copy);
      try {
        await readTable(path, SPECS);
      } catch (e) {
        expect(e).toBeInstanceOf(CuratorError);
      }
    }
  });

  it("names a missing column and a column of the wrong physical type", async () => {
    const dir = tempDir();
    const path = join(dir, "t.parquet");
    writeTable(path, SPECS.slice(0, 4), sample(3), 3);
    await expectCuratorError(readTable(path, SPECS), "INVALID_FILE", "no column 's'", path);
    const asDouble: ColumnSpec[] = [{ name: "i32", type: "DOUBLE", doc: "" }];
    await expectCuratorError(readTable(path, asDouble), "INVALID_FILE", "'i32'", "INT32", "expected DOUBLE");
  });

  it("reads a file DuckDB wrote (all columns OPTIONAL)", async () => {
    const dir = tempDir();
    const path = join(dir, "duck.parquet");
    const data = sample(100);
    await duckdbWriteTable(path, SPECS, data, 100);
    const got = await readTable(path, SPECS);
    expect([...got.i64]).toEqual(data.i64);
    expect(got.s).toEqual(data.s);
    expect([...got.nd]).toEqual(data.nd.map((v) => (v === null ? NaN : v)));
    expect(existsSync(path)).toBe(true);
  });
});
