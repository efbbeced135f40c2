import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import {
  canonicalJson,
  canonicalSlow,
  chainRecords,
  auditLine,
  entryHash,
  sha256,
} from "../../src/governance/audit.js";

/** JSON-like values whose objects have their keys in random order, with awkward keys mixed in. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("__proto__", "0", "10", "9", "01", "hash", "", "é", "\u{1F600}"),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -0, 1.5, NaN, Infinity, "x", 'a"b\\\n', undefined),
    fc.double(),
    fc.string(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 6 }).map((pairs) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
    fc.constantFrom(
      new Date(0),
      new Uint8Array([1, 2]),
      new Uint8Array(0),
      new Number(5),
      new String(""),
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      [1, , 3],
    ),
  ),
}));

describe("canonicalJson", () => {
  it("gives the member-by-member definition's text for any value, with or without an omitted key", () => {
    fc.assert(
      fc.property(value, fc.option(key, { nil: undefined }), (v, omit) => {
        expect(canonicalJson(v, omit)).toBe(canonicalSlow(v, omit));
      }),
      { numRuns: 2000 },
    );
  });

  it("parsed JSON with a __proto__ member keeps it as an ordinary member", () => {
    const v = JSON.parse('{"b":1,"__proto__":{"z":1,"a":2},"a":[{"y":1,"x":2}]}');
    expect(canonicalJson(v)).toBe('{"__proto__":{"a":2,"z":1},"a":[{"x":2,"y":1}],"b":1}');
    expect(canonicalJson(v)).toBe(canonicalSlow(v));
  });

  it("chainRecords' text is the canonical form of its entries, each hashed as entryHash says", () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, NaN, Infinity));
    const str = fc.string({ unit: "binary", maxLength: 12 });
    const decision = fc.record({
      time: str,
      itemId: fc.oneof(str, fc.constantFrom("__proto__", "a\nb")),
      action: fc.constantFrom("keep", "compress", "rewrite", "retire", "restore"),
      probs: fc.oneof(
        fc.record({ keep: num, compress: num, rewrite: num, retire: num }),
        fc.constant(null),
        fc.record({ keep: num, compress: num }),
      ),
      allowed: fc.oneof(fc.array(str, { maxLength: 4 }), fc.constant(null)),
      reason: str,
      modelHash: fc.oneof(str, fc.constant(null)),
      curator: str,
      window: fc.oneof(fc.nat(), fc.constant(null), num),
      itemHash: str,
      where: fc.constantFrom("live", "archive"),
    });
    const extra = fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), {
      nil: undefined,
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(decision, extra), { minLength: 1, maxLength: 5 }), (recs) => {
        const records = recs.map(([r, x]) => ({ ...x, ...r }) as never);
        const { entries, text } = chainRecords(null, records);
        expect(text.join("")).toBe(entries.map(auditLine).join(""));
        for (const e of entries) expect(entryHash(e)).toBe(e.hash);
      }),
      { numRuns: 500 },
    );
  });

  it("sha256 of any text (lone surrogates included) is the Hash object's digest of it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (t) => {
        expect(sha256(t)).toBe(createHash("sha256").update(t).digest("hex"));
      }),
      { numRuns: 500 },
    );
    expect(sha256("a\uD800b")).toBe(createHash("sha256").update("a\uD800b").digest("hex"));
  });
});
