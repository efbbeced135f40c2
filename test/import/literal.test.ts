import { describe, expect, it } from "vitest";
import { maybeLiteral, parseLiteral } from "../../src/import/literal.js";

describe("lenient literal reader", () => {
  it("reads JSON and Python reprs alike", () => {
    expect(parseLiteral('{"a": [1, 2.5, null, true]}')).toEqual({ value: { a: [1, 2.5, null, true] }, complete: true });
    expect(parseLiteral("{'a': (1, 'x'), 'b': None, 'c': True, 'd': {1, 2}, 'e': nan}").value).toEqual({
      a: [1, "x"],
      b: null,
      c: true,
      d: [1, 2],
      e: NaN,
    });
    expect(parseLiteral(String.raw`['it\'s', "say \"hi\"", '\u00e9\x41', b'raw']`).value).toEqual([
      "it's",
      'say "hi"',
      "éA",
      "raw",
    ]);
    expect(parseLiteral("{'when': datetime.date(2024, 5, 1), 'obj': <Foo at 0x1>}").value).toEqual({
      when: "datetime.date(2024, 5, 1)",
      obj: "<Foo at 0x1>",
    });
  });

  it("salvages the complete leading entries of damaged text", () => {
    const r = parseLiteral('{"a": 1, "b": {"c": 2}, "d": "unterminated');
    expect(r).toMatchObject({ value: { a: 1, b: { c: 2 } }, complete: false, error: "unexpected end of text" });
    expect(parseLiteral("[1, 2, 3").value).toEqual([1, 2, 3]);
    expect(parseLiteral('[{"x": 1}, {"x": 2').value).toEqual([{ x: 1 }]);
    expect(parseLiteral("{'a': 1} trailing").complete).toBe(false);
  });

  it("never throws, and caps nesting", () => {
    for (const bad of ["", "}", "{'a' 1}", "[".repeat(100000), "\u0000\u0001", "{'a': -}", "tru", "'\\x4'"]) {
      expect(() => parseLiteral(bad)).not.toThrow();
    }
    expect(parseLiteral("[".repeat(100000)).error).toMatch(/nesting|end of text/);
  });

  it("passes non-literal strings through", () => {
    expect(maybeLiteral("hello").value).toBe("hello");
    expect(maybeLiteral(5).value).toBe(5);
    expect(maybeLiteral("[1, 'a']").value).toEqual([1, "a"]);
  });
});
