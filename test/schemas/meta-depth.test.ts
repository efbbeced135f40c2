import { describe, expect, it } from "vitest";
import { parseLibrary, toJsonl } from "../../src/library/io.js";
import { jsonDepth, MAX_META_DEPTH } from "../../src/schemas/item.js";

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{"leaf":1}${"}".repeat(levels - 1)}`;
const line = (id: string, meta: string) => `{"id":"${id}","kind":"context","content":"text","meta":${meta}}`;

describe("meta nesting limit", () => {
  it("refuses meta nested 10k levels deep, naming the line and the field (it was accepted, then overflowed the stack when written)", () => {
    const text = [line("ok", "{}"), line("deep", nested(10_000))].join("\n");
    expect(() => parseLibrary(text, "lib.jsonl")).toThrowError(
      /'lib\.jsonl'.*\n\s+line 2: meta: nested more than 64 levels deep/,
    );
  });

  it(`accepts exactly ${MAX_META_DEPTH} levels and writes them back unchanged`, () => {
    const text = line("edge", nested(MAX_META_DEPTH));
    const items = parseLibrary(text, "lib.jsonl");
    expect(toJsonl(items)).toBe(`${text}\n`);
    expect(() => parseLibrary(line("over", nested(MAX_META_DEPTH + 1)), "lib.jsonl")).toThrowError(
      /line 1: meta: nested more than/,
    );
  });

  it("measures depth without recursion and counts arrays too", () => {
    expect(jsonDepth(1, 64)).toBe(0);
    expect(jsonDepth({ a: [1, { b: [] }] }, 64)).toBe(4);
    expect(jsonDepth(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)), 64)).toBe(65);
  });
});
