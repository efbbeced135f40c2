/**
 * Splitting tests across the sandbox wall: assertion calls become probes whose expected values stay here,
 * literals read without running code, and the verdict computed from untrusted reports.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/tasks/js-scan.js";
import { parseLiteral } from "../../src/tasks/literal.js";
import { compileTest, PROBE } from "../../src/tasks/probes.js";
import { judge } from "../../src/tasks/verdict.js";
import { deepStrictEqual, strictEqual } from "../../src/tasks/values.js";
import { loadTasks } from "../../src/tasks/load.js";
import { checkAnswer } from "../../src/tasks/check.js";
import { isCuratorError } from "../../src/errors.js";

const lit = (src: string) => parseLiteral(tokenize(src));

describe("literals", () => {
  it("reads JavaScript literals without running code", () => {
    expect(lit(`[1, -2.5, 'a\\n', "b", \`c\`, true, null]`)).toEqual([1, -2.5, "a\n", "b", "c", true, null]);
    expect(lit("{a: 1, 'b c': [2],}")).toEqual({
      $: "object",
      proto: "Object",
      v: [
        ["a", 1],
        ["b c", [2]],
      ],
    });
    expect(lit("-0")).toEqual({ $: "num", v: "-0" });
    expect(lit("NaN")).toEqual({ $: "num", v: "NaN" });
    expect(lit("-Infinity")).toEqual({ $: "num", v: "-Infinity" });
    expect(lit("0x10")).toBe(16);
    expect(lit("12n")).toEqual({ $: "bigint", v: "12" });
    expect(lit("new Set([1, 2])")).toEqual({ $: "set", v: [1, 2] });
    expect(lit("new Map([['k', 1]])")).toEqual({ $: "map", v: [["k", 1]] });
    expect(lit("/a+b/gi")).toEqual({ $: "regexp", source: "a+b", flags: "gi" });
  });

  it("refuses anything that would need running", () => {
    for (const src of ["f(1)", "x", "[1, y]", "`a${b}`", "new Foo()", "1 + 1", "{...a}"])
      expect(() => lit(src), src).toThrow();
  });
});

describe("compiling tests into probes", () => {
  it("keeps the test's own statements and drops the expected values", () => {
    const c = compileTest(
      `const s = new Stack(); s.push("x,)"); // assert.equal(1, 2)\nassert.deepStrictEqual(s.items(), ["x,)"], "msg")`,
      0,
    );
    expect(c.probes).toHaveLength(1);
    expect(c.probes[0].check).toEqual({ kind: "deepStrictEqual", expected: ["x,)"] });
    expect(c.source).toContain(`${PROBE}.value(0, 0, () => (s.items()))`);
    expect(c.source).toContain(`s.push("x,)")`);
    expect(c.source).not.toContain(`["x,)"]`);
    expect(c.source).not.toContain("msg");
  });

  it("handles await, throws with a class / pattern / properties, and division next to regexes", () => {
    const c = compileTest(
      "assert.equal(await f(4 / 2), 2); assert.throws(() => g(-1), RangeError); assert.rejects(h(), /bad/); assert(ok(), 'm'); assert.equal(f(1) / 2 /* (not a regex) */, 0.5)",
      1,
    );
    expect(c.probes.map((p) => p.check.kind)).toEqual(["strictEqual", "throws", "rejects", "truthy", "strictEqual"]);
    expect(c.probes[4].check).toEqual({ kind: "strictEqual", expected: 0.5 });
    expect(c.source).toContain(`(await ${PROBE}.valueAsync(1, 0, async () => (await f(4 / 2))))`);
    expect(c.probes[1].check).toEqual({ kind: "throws", error: { className: "RangeError" } });
    expect(c.probes[2].check).toEqual({ kind: "rejects", error: { pattern: { source: "bad", flags: "" } } });
  });

  it("refuses tests it cannot split, saying what to write", () => {
    expect(() => compileTest("assert.equal(f(), expected)", 0)).toThrow(/must be a literal/);
    expect(() => compileTest("const a = assert; a.equal(1, 1)", 0)).toThrow(/other than as a call/);
    expect(() => compileTest("assert.fail()", 0)).toThrow(/not supported/);
    expect(() => compileTest("f();", 0)).toThrow(/checks nothing/);
  });

  it("refuses such tests when a task file is loaded, naming the line", () => {
    const dir = mkdtempSync(join(tmpdir(), "curator-probes-"));
    const p = join(dir, "t.jsonl");
    writeFileSync(
      p,
      [
        JSON.stringify({ id: "a", prompt: "p", tests: ["assert.equal(f(), 1)"] }),
        JSON.stringify({ id: "b", prompt: "p", tests: ["assert.ok(1)", "assert.equal(f(), g())"] }),
      ].join("\n"),
    );
    let err: unknown;
    try {
      loadTasks(`jsonl:${p}`);
    } catch (e) {
      err = e;
    }
    expect(isCuratorError(err) && err.code).toBe("INVALID_FILE");
    expect((err as Error).message).toMatch(/line 2: test 2: .*must be a literal/);
  });
});

describe("the verdict", () => {
  const tests = [
    compileTest("assert.equal(f(), 3); assert.deepEqual(g(), {a: [1]})", 0),
    compileTest("assert.throws(() => h(), TypeError)", 1),
  ];
  const line = (o: unknown) => JSON.stringify(o);
  const err = {
    name: "TypeError",
    message: "x",
    str: "TypeError: x",
    chain: ["TypeError", "Error", "Object"],
    props: [],
  };

  it("passes a test only when every probe is reported and passes", () => {
    const ok = [
      line({ t: 0, p: 0, v: 3 }),
      line({ t: 0, p: 1, v: { $: "object", proto: "Object", v: [["a", [1]]] } }),
      line({ t: 1, p: 0, threw: err }),
    ].join("\n");
    expect(judge(tests, ok)).toEqual([null, null]);
    expect(judge(tests, line({ t: 0, p: 0, v: 3 }))[0]).toMatch(/never reached/);
    expect(judge(tests, [line({ t: 0, p: 0, v: 3 }), line({ t: 0, p: 0, v: 4 })].join("\n"))[0]).toMatch(
      /got 4, expected 3/,
    );
    expect(judge(tests, line({ t: 1, p: 0, threw: { ...err, chain: ["RangeError", "Error"] } }))[1]).toMatch(
      /expected a TypeError/,
    );
  });

  it("ignores malformed and unknown reports", () => {
    const junk = [
      "{",
      line({ t: 9, p: 0, v: 1 }),
      line({ t: 0, p: 7, v: 1 }),
      line({ t: 0, p: 0, v: { $: "bogus" } }),
      '{"t":0,"p":0,"v":{"__proto__":{"$":"undefined"}}}',
    ].join("\n");
    expect(judge(tests, junk)[0]).toMatch(/never reached/);
  });

  it("compares as node:assert/strict does", () => {
    expect(strictEqual({ $: "num", v: "NaN" }, { $: "num", v: "NaN" })).toBe(true);
    expect(strictEqual(0, { $: "num", v: "-0" })).toBe(false);
    expect(strictEqual([1], [1])).toBe(false);
    expect(deepStrictEqual({ $: "set", v: [1, 2] }, { $: "set", v: [2, 1] })).toBe(true);
    expect(deepStrictEqual({ $: "object", proto: "Point", v: [] }, { $: "object", proto: "Object", v: [] })).toBe(
      false,
    );
  });
});

describe("the sandboxed run", () => {
  it("reports values of every kind the tests compare", async () => {
    const code = `
      class Err extends Error { constructor(m) { super(m); this.name = "Err"; this.code = 7; } }
      const f = () => ({ s: new Set([2, 1]), m: new Map([["k", [1n]]]), d: new Date(0), n: [NaN, -0, undefined] });
      const boom = () => { throw new Err("bad input"); };`;
    const tests = [
      `assert.deepEqual(f(), { s: new Set([1, 2]), m: new Map([["k", [1n]]]), d: new Date("1970-01-01T00:00:00.000Z"), n: [NaN, -0, undefined] })`,
      `assert.throws(() => boom(), Err); assert.throws(boom, /Err: bad/); assert.throws(boom, { code: 7, message: /bad/ })`,
      `assert.match(String(1 + 1), /^2$/); assert.doesNotThrow(() => f()); assert.notEqual(f().n.length, 2)`,
    ];
    const r = await checkAnswer({ kind: "code", id: "k", prompt: "p", tests }, `\`\`\`js\n${code}\n\`\`\``);
    expect(r).toMatchObject({ success: true, detail: "3/3 tests passed" });
  });
});
