import { matchingClose, ScanError, splitArgs, tokenize, type Token } from "./js-scan.js";
import { parseLiteral } from "./literal.js";
import type { Value } from "./values.js";

/**
 * How a code task's tests are split across the sandbox wall. Every `assert.METHOD(actual, expected)` call in a
 * test becomes a probe: the sandboxed script keeps the test's other statements and computes only `actual`
 * (reporting its value, or what it threw); `expected` is a literal read here (literal.ts) and never enters the
 * sandbox; the verdict (verdict.ts) compares them in this process. So code under test that replaces `assert`,
 * forges output or exits early can at most report values of its own making — which it could return anyway.
 */
export type Check =
  | { kind: "truthy" }
  | { kind: "strictEqual" | "notStrictEqual" | "deepStrictEqual" | "notDeepStrictEqual"; expected: Value }
  | { kind: "match" | "doesNotMatch"; pattern: { source: string; flags: string } }
  | { kind: "throws" | "rejects"; error?: ErrorMatcher }
  | { kind: "doesNotThrow" | "doesNotReject" };

/** What a thrown error must be: an instance of a class (by name), match a pattern, or have these properties. */
export type ErrorMatcher =
  { className: string } | { pattern: { source: string; flags: string } } | { props: Array<[string, Value]> };

export interface Probe {
  check: Check;
  /** the assertion as written, for failure messages */
  text: string;
}

export interface CompiledTest {
  /** the test as it runs in the sandbox: assertions replaced by probes, no expected values */
  source: string;
  probes: Probe[];
}

/** Aliases follow node:assert/strict, where equal is strictEqual and deepEqual is deepStrictEqual. */
const METHODS: Record<string, { check: Check["kind"]; actualArgs: 1 | 2; shape: "value" | "thrower" | "rejecter" }> = {
  ok: { check: "truthy", actualArgs: 1, shape: "value" },
  equal: { check: "strictEqual", actualArgs: 2, shape: "value" },
  strictEqual: { check: "strictEqual", actualArgs: 2, shape: "value" },
  notEqual: { check: "notStrictEqual", actualArgs: 2, shape: "value" },
  notStrictEqual: { check: "notStrictEqual", actualArgs: 2, shape: "value" },
  deepEqual: { check: "deepStrictEqual", actualArgs: 2, shape: "value" },
  deepStrictEqual: { check: "deepStrictEqual", actualArgs: 2, shape: "value" },
  notDeepEqual: { check: "notDeepStrictEqual", actualArgs: 2, shape: "value" },
  notDeepStrictEqual: { check: "notDeepStrictEqual", actualArgs: 2, shape: "value" },
  match: { check: "match", actualArgs: 2, shape: "value" },
  doesNotMatch: { check: "doesNotMatch", actualArgs: 2, shape: "value" },
  throws: { check: "throws", actualArgs: 1, shape: "thrower" },
  doesNotThrow: { check: "doesNotThrow", actualArgs: 1, shape: "thrower" },
  rejects: { check: "rejects", actualArgs: 1, shape: "rejecter" },
  doesNotReject: { check: "doesNotReject", actualArgs: 1, shape: "rejecter" },
};

export const SUPPORTED_ASSERTIONS = ["assert(x)", ...Object.keys(METHODS).map((m) => `assert.${m}`)].join(", ");

/** The identifier the sandboxed script calls; see probe-runtime.ts. */
export const PROBE = "__curatorProbe";

/** Compiles test `i`; throws ScanError with a message that says what to change. */
export function compileTest(src: string, i: number): CompiledTest {
  const tokens = tokenize(src);
  const probes: Probe[] = [];
  let out = "";
  let copied = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type !== "id" || t.text !== "assert" || tokens[k - 1]?.text === ".") continue;
    let method = "ok";
    let open = k + 1;
    if (tokens[k + 1]?.text === "." && tokens[k + 2]?.type === "id" && tokens[k + 3]?.text === "(") {
      method = tokens[k + 2].text;
      open = k + 3;
    } else if (tokens[k + 1]?.text !== "(") {
      throw new ScanError(
        `'assert' is used other than as a call at offset ${t.start}; write each check as one of ${SUPPORTED_ASSERTIONS}`,
      );
    }
    const spec = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method] : undefined;
    if (!spec) throw new ScanError(`assert.${method} is not supported; use one of ${SUPPORTED_ASSERTIONS}`);
    const close = matchingClose(tokens, open);
    const args = splitArgs(tokens, open + 1, close);
    const text = src.slice(t.start, tokens[close].end);
    if (tokens.slice(open + 1, close).some((x) => x.type === "id" && x.text === "assert"))
      throw new ScanError(`${text.slice(0, 80)}: an assertion inside another assertion's arguments is not supported`);
    if (args.length < spec.actualArgs)
      throw new ScanError(`${text.slice(0, 80)}: assert.${method} needs ${spec.actualArgs} argument(s)`);
    const check = checkFor(spec.check, tokens, args, text);
    const [a0, a1] = args[0];
    const actual = src.slice(tokens[a0].start, tokens[a1 - 1].end);
    const usesAwait = tokens.slice(a0, a1).some((x) => x.type === "id" && x.text === "await");
    const p = probes.length;
    const call =
      spec.shape === "thrower"
        ? `${PROBE}.throws(${i}, ${p}, (${actual}))`
        : spec.shape === "rejecter"
          ? `(await ${PROBE}.rejects(${i}, ${p}, (${actual})))`
          : usesAwait
            ? `(await ${PROBE}.valueAsync(${i}, ${p}, async () => (${actual})))`
            : `${PROBE}.value(${i}, ${p}, () => (${actual}))`;
    out += src.slice(copied, t.start) + call;
    copied = tokens[close].end;
    probes.push({ check, text });
    k = close;
  }
  if (probes.length === 0)
    throw new ScanError(`the test checks nothing; write each check as one of ${SUPPORTED_ASSERTIONS}`);
  return { source: out + src.slice(copied), probes };
}

function literalAt(tokens: Token[], span: [number, number], text: string, what: string): Value {
  try {
    return parseLiteral(tokens.slice(span[0], span[1]));
  } catch (e) {
    throw new ScanError(
      `${text.slice(0, 80)}: the ${what} must be a literal (a number, string, array, object, …) so that it stays outside the sandbox: ${(e as Error).message}`,
    );
  }
}

function patternOf(v: Value, text: string): { source: string; flags: string } {
  if (v !== null && typeof v === "object" && !Array.isArray(v) && v.$ === "regexp")
    return { source: v.source, flags: v.flags };
  throw new ScanError(`${text.slice(0, 80)}: the second argument must be a regular expression literal`);
}

function checkFor(kind: Check["kind"], tokens: Token[], args: Array<[number, number]>, text: string): Check {
  switch (kind) {
    case "truthy":
    case "doesNotThrow":
    case "doesNotReject":
      return { kind };
    case "match":
    case "doesNotMatch":
      return { kind, pattern: patternOf(literalAt(tokens, args[1], text, "pattern"), text) };
    case "throws":
    case "rejects":
      return { kind, error: args[1] ? errorMatcher(tokens, args[1], text) : undefined };
    default:
      return { kind, expected: literalAt(tokens, args[1], text, "expected value") };
  }
}

function errorMatcher(tokens: Token[], span: [number, number], text: string): ErrorMatcher | undefined {
  const first = tokens[span[0]];
  if (span[1] - span[0] === 1 && first.type === "id") return { className: first.text };
  const v = literalAt(tokens, span, text, "expected error");
  if (typeof v === "string") return undefined; // node:assert takes a string here as the failure message
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    if (v.$ === "regexp") return { pattern: { source: v.source, flags: v.flags } };
    if (v.$ === "object") return { props: v.v };
  }
  throw new ScanError(
    `${text.slice(0, 80)}: the expected error must be a class name, a regular expression or an object of properties`,
  );
}
