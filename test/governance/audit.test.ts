import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUDIT_FILE,
  GENESIS_HASH,
  auditLine,
  canonicalJson,
  chainRecords,
  entryHash,
  verifyAuditFile,
  verifyAuditText,
  type AuditRecord,
} from "../../src/governance/audit.js";
import { ACTIONS } from "../../src/actions.js";

const recordArb: fc.Arbitrary<AuditRecord> = fc.record({
  time: fc.constant("2026-01-01T00:00:00.000Z"),
  itemId: fc.string({ minLength: 1, maxLength: 8 }),
  action: fc.constantFrom(...ACTIONS),
  probs: fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, b]) => ({ keep: a, compress: b, rewrite: 0, retire: 0 })),
  allowed: fc.subarray([...ACTIONS], { minLength: 1 }),
  reason: fc.string({ maxLength: 20 }),
  modelHash: fc.constant("f".repeat(64)),
  curator: fc.constantFrom("heuristic", "onnx:x.onnx"),
  window: fc.nat(500),
  itemHash: fc.constant("a".repeat(64)),
  where: fc.constant("live" as const),
});

type Tamper = { kind: "edit" | "delete" | "swap" | "truncate" | "duplicate"; at: number };
const tamperArb = (n: number): fc.Arbitrary<Tamper> =>
  fc.record({ kind: fc.constantFrom("edit", "delete", "swap", "truncate", "duplicate"), at: fc.nat(n - 1) });

/** Applies a tamper to the log's lines; returns the 1-based line verification must name. */
function tamper(lines: string[], t: Tamper): number {
  const i = t.kind === "swap" ? Math.min(t.at, lines.length - 2) : t.at;
  switch (t.kind) {
    case "edit": {
      const e = JSON.parse(lines[i]);
      e.itemId = `${e.itemId}!`;
      lines[i] = JSON.stringify(e);
      return i + 1;
    }
    case "delete":
      lines.splice(i, 1);
      return i + 1;
    case "swap":
      [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
      return i + 1;
    case "truncate":
      lines.splice(i);
      return i + 1;
    case "duplicate":
      lines.splice(i + 1, 0, lines[i]);
      return i + 2;
  }
}

describe("audit hash chain", () => {
  it("hash = sha256 of the canonical line without hash; the first prevHash is 64 zeros; seq counts from 1", () => {
    const { entries, head } = chainRecords(null, [
      {
        time: "t",
        itemId: "a",
        action: "keep",
        probs: { keep: 1, compress: 0, rewrite: 0, retire: 0 },
        allowed: ["keep"],
        reason: "r",
        modelHash: "m",
        curator: "c",
        window: 3,
        itemHash: "h",
        where: "live",
      },
    ]);
    expect(entries[0].prevHash).toBe(GENESIS_HASH);
    expect(entries[0].v).toBe(2);
    expect(entries[0].seq).toBe(1);
    expect(entries[0].hash).toBe(entryHash(entries[0]));
    expect(head).toEqual({ lines: 1, hash: entries[0].hash });
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    // Appending continues the chain.
    const more = chainRecords(head, [{ ...entries[0], itemId: "b" } as AuditRecord]);
    expect(more.entries[0]).toMatchObject({ seq: 2, prevHash: entries[0].hash });
  });

  it("any chain verifies; any single edit, deletion, reordering, duplication or cut is detected at its line", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 2, maxLength: 25 }), fc.nat(1), (records, split) => {
        // Written in one or two appends: the result must be the same chain.
        const first = chainRecords(null, records.slice(0, split + 1));
        const second = chainRecords(first.head, records.slice(split + 1));
        const entries = [...first.entries, ...second.entries];
        const text = entries.map(auditLine).join("");
        expect(verifyAuditText(text, second.head)).toEqual({
          ok: true,
          lines: records.length,
          head: second.head,
          version: 2,
        });
        return (
          fc.assert(
            fc.property(tamperArb(records.length), (t) => {
              const lines = text.trimEnd().split("\n");
              const bad = tamper(lines, t);
              const r = verifyAuditText(lines.map((l) => `${l}\n`).join(""), second.head);
              expect(r.ok).toBe(false);
              if (!r.ok) expect(r.line).toBe(bad);
            }),
            { numRuns: 20 },
          ) ?? true
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("verifyAuditFile streams the same check over a file, and reports a format 1 (legacy) log as version 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-"));
    const recs = fc.sample(recordArb, { numRuns: 5, seed: 7 });
    const { entries, head } = chainRecords(null, recs);
    writeFileSync(join(dir, AUDIT_FILE), entries.map(auditLine).join(""));
    expect(verifyAuditFile(join(dir, AUDIT_FILE), head)).toMatchObject({ ok: true, lines: 5, version: 2 });
    writeFileSync(
      join(dir, AUDIT_FILE),
      readFileSync(join(dir, AUDIT_FILE), "utf8").replace(/"reason":"/, '"reason":"x'),
    );
    expect(verifyAuditFile(join(dir, AUDIT_FILE), head)).toMatchObject({ ok: false, line: 1 });
    // A format 1 line: no v, no item hash; its chain still verifies.
    const base = {
      seq: 1,
      time: "t",
      itemId: "a",
      action: "keep",
      probs: null,
      allowed: null,
      reason: "r",
      modelHash: null,
      curator: "c",
      prevHash: GENESIS_HASH,
    };
    const v1 = { ...base, hash: entryHash(base) };
    rmSync(join(dir, AUDIT_FILE));
    writeFileSync(join(dir, AUDIT_FILE), auditLine(v1 as never));
    expect(verifyAuditFile(join(dir, AUDIT_FILE), { lines: 1, hash: v1.hash })).toMatchObject({ ok: true, version: 1 });
  });
});

describe("audit verification on arbitrary text", () => {
  it("never throws: garbage, wrong shapes and partial lines give a clean failure at some line", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.json(), fc.constantFrom("null", "[]", '{"seq":1}', "1")), {
          minLength: 1,
          maxLength: 6,
        }),
        (lines) => {
          const r = verifyAuditText(`${lines.join("\n")}\n`, null);
          if (!r.ok) expect(r.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
