/**
 * Property: whatever damage a fixture file takes (truncated at any byte, bits flipped, a field deleted, bytes
 * inserted, emptied), an importer either imports cleanly — every line valid, every reference resolving — or
 * refuses with a CuratorError. Anything else (a TypeError, a RangeError) is a bug. The importers are called
 * directly, below the last-resort wrapper in loadImport, so that wrapper cannot hide one.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, it } from "vitest";
import { isCuratorError } from "../../src/errors.js";
import { LibraryItemSchema } from "../../src/schemas/item.js";
import { ImportContext, walkFiles } from "../../src/import/context.js";
import { IMPORTERS } from "../../src/import/run.js";
import { buildImport } from "../../src/import/write.js";
import type { ImportFormat } from "../../src/import/types.js";
import { FIXTURES } from "./helpers.js";

type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; bits: [number, number][] }
  | { kind: "delete-field"; pick: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "empty" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant("flip" as const),
    bits: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })), {
      minLength: 1,
      maxLength: 12,
    }),
  }),
  fc.record({ kind: fc.constant("delete-field" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  }),
  fc.record({ kind: fc.constant("empty" as const) }),
);

/** Deletes the pick-th object key of a JSON / JSONL file (or, for other text, the pick-th line). */
function deleteField(text: string, pick: number): string {
  const drop = (v: unknown, n: { left: number }): unknown => {
    if (Array.isArray(v)) return v.map((x) => drop(x, n));
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (n.left-- !== 0) out[k] = drop(x, n);
    return out;
  };
  const count = (v: unknown): number =>
    Array.isArray(v)
      ? v.reduce((a: number, x) => a + count(x), 0)
      : typeof v === "object" && v !== null
        ? Object.values(v).reduce((a: number, x) => a + 1 + count(x), 0)
        : 0;
  try {
    const v = JSON.parse(text);
    return JSON.stringify(drop(v, { left: pick % Math.max(1, count(v)) }));
  } catch {
    const lines = text.split("\n");
    const k = pick % lines.length;
    try {
      const v = JSON.parse(lines[k]);
      lines[k] = JSON.stringify(drop(v, { left: pick % Math.max(1, count(v)) }));
    } catch {
      lines.splice(k, 1);
    }
    return lines.join("\n");
  }
}

function mutate(bytes: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case "truncate":
      return bytes.subarray(0, Math.floor(m.at * bytes.length));
    case "flip": {
      const b = Buffer.from(bytes);
      for (const [at, bit] of m.bits) if (b.length) b[Math.min(b.length - 1, Math.floor(at * b.length))] ^= 1 << bit;
      return b;
    }
    case "delete-field":
      return Buffer.from(deleteField(bytes.toString("utf8"), m.pick));
    case "insert": {
      const at = Math.floor(m.at * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    }
    case "empty":
      return Buffer.alloc(0);
  }
}

/** The contracts a clean import must meet; a violation throws a plain Error, failing the property. */
function checkClean(format: ImportFormat, dir: string): void {
  const ctx = new ImportContext(dir);
  const built = buildImport(format, dir, IMPORTERS[format].run(dir, ctx), ctx);
  const ids = new Set<string>();
  for (const item of built.items) {
    LibraryItemSchema.parse(item);
    if (ids.has(item.id)) throw new Error(`duplicate id ${item.id}`);
    ids.add(item.id);
  }
  for (const s of built.snapshots)
    for (const id of s.itemIds) if (!ids.has(id)) throw new Error(`snapshot names unknown ${id}`);
  for (const e of built.events)
    for (const id of e.itemIds ?? []) if (!ids.has(id)) throw new Error(`event names unknown ${id}`);
  for (const l of built.labels) if (!ids.has(l.id)) throw new Error(`label for unknown ${l.id}`);
  JSON.stringify(built.manifest);
}

/** IMPORT_FUZZ_RUNS=5000 runs that many unseeded cases per importer (the default is a fixed, fast 80 per folder). */
const FUZZ_RUNS = Number(process.env.IMPORT_FUZZ_RUNS ?? 0);

const FORMATS: ImportFormat[] = ["voyager", "dynamic-cheatsheet", "ace-playbook", "agent-s", "tau-bench"];
const SOURCES: [ImportFormat, string][] = FORMATS.flatMap((f): [ImportFormat, string][] => [
  [f, f],
  [f, `malformed/${f}`],
]);

describe("importers never crash on damaged input", () => {
  it("every importer pointed at every other source's folder imports cleanly or refuses", () => {
    for (const format of FORMATS) {
      for (const folder of [...FORMATS, ...FORMATS.map((f) => `malformed/${f}`), "malformed/empty"]) {
        try {
          checkClean(format, join(FIXTURES, folder));
        } catch (e) {
          if (!isCuratorError(e)) throw new Error(`${format} on ${folder}: ${(e as Error).stack}`);
        }
      }
    }
  });

  for (const [format, folder] of SOURCES) {
    it(`${format} on ${folder}: mutated bytes give a clean import or a CuratorError`, () => {
      const dir = join(mkdtempSync(join(tmpdir(), `fuzz-${format}-`)), folder.replace(/\//g, "-"));
      cpSync(join(FIXTURES, folder), dir, { recursive: true });
      const files = walkFiles(dir);
      const originals = new Map(files.map((f) => [f, readFileSync(f)]));
      fc.assert(
        fc.property(fc.nat(), mutation, (which, m) => {
          const file = files[which % files.length];
          writeFileSync(file, mutate(originals.get(file)!, m));
          try {
            checkClean(format, dir);
          } catch (e) {
            if (!isCuratorError(e)) throw e;
          } finally {
            writeFileSync(file, originals.get(file)!);
          }
        }),
        FUZZ_RUNS ? { numRuns: FUZZ_RUNS } : { numRuns: 80, seed: 20240611 },
      );
    });
  }
});
