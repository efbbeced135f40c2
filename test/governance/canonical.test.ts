import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalSlow, chainRecords, auditLine, entryHash } from "../../src/governance/audit.js";

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

  it("chainRecords' lines are the canonical form of the entries, and their hash is the entry hash", () => {
    const rec = { time: "t", itemId: "i", action: "keep", probs: { keep: 1, compress: 0, rewrite: 0, retire: 0 } };
    const { entries, lines } = chainRecords(null, [rec as never, { ...rec, itemId: "j" } as never]);
    entries.forEach((e, k) => {
      expect(`${lines[k]}\n`).toBe(auditLine(e));
      expect(entryHash(e)).toBe(e.hash);
    });
  });
});
