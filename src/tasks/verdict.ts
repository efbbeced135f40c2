import type { Check, CompiledTest, ErrorMatcher } from "./probes.js";
import { deepStrictEqual, isValue, show, strictEqual, truthy, type Value } from "./values.js";

/**
 * The verdict, computed in the toolkit's process from the sandbox's probe reports (probe-runtime.ts) and the
 * expected values that never left this process. Reports are untrusted: malformed lines and lines for unknown
 * probes are ignored; a test passes only when every one of its probes was reported and every report passes.
 */
interface ErrInfo {
  name: string;
  message: string;
  str: string;
  chain: string[];
  props: Array<[string, Value]>;
}

type Report = { t: number; p?: number; v?: Value; err?: ErrInfo; threw?: ErrInfo | false };

const isStr = (x: unknown): x is string => typeof x === "string";

function isErrInfo(x: unknown): x is ErrInfo {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return false;
  const e = x as Record<string, unknown>;
  return (
    isStr(e.name) &&
    isStr(e.message) &&
    isStr(e.str) &&
    Array.isArray(e.chain) &&
    e.chain.every(isStr) &&
    Array.isArray(e.props) &&
    e.props.every((p) => Array.isArray(p) && p.length === 2 && isStr(p[0]) && isValue(p[1]))
  );
}

function parseReport(line: string): Report | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
  if (!Number.isInteger(r.t) || (r.p !== undefined && !Number.isInteger(r.p))) return undefined;
  if ("v" in r && !isValue(r.v)) return undefined;
  if ("err" in r && !isErrInfo(r.err)) return undefined;
  if ("threw" in r && r.threw !== false && !isErrInfo(r.threw)) return undefined;
  return r as Report;
}

/** Per test: null if it passed, else why it failed. */
export function judge(tests: CompiledTest[], reportText: string): Array<string | null> {
  const byTest = tests.map((t) => ({ failed: undefined as string | undefined, seen: t.probes.map(() => false) }));
  for (const line of reportText.split("\n")) {
    const r = line ? parseReport(line) : undefined;
    const test = r && tests[r.t];
    if (!r || !test) continue;
    const state = byTest[r.t];
    if (r.p === undefined) {
      if (r.err) state.failed ??= `threw ${r.err.str}`;
      continue;
    }
    const probe = test.probes[r.p];
    if (!probe) continue;
    state.seen[r.p] = true;
    const why = judgeProbe(probe.check, r);
    if (why) state.failed ??= `${probe.text.slice(0, 120)}: ${why}`;
  }
  return byTest.map((s, i) => {
    if (s.failed) return s.failed.slice(0, 300);
    const missing = s.seen.indexOf(false);
    return missing >= 0 ? `${tests[i].probes[missing].text.slice(0, 120)}: never reached` : null;
  });
}

function judgeProbe(check: Check, r: Report): string | undefined {
  if (check.kind === "throws" || check.kind === "rejects") {
    if (r.threw === undefined) return "no report";
    if (r.threw === false) return `did not ${check.kind === "throws" ? "throw" : "reject"}`;
    return check.error ? errorMismatch(check.error, r.threw) : undefined;
  }
  if (check.kind === "doesNotThrow" || check.kind === "doesNotReject") {
    if (r.threw === undefined) return "no report";
    return r.threw ? `threw ${r.threw.str}` : undefined;
  }
  if (r.err) return `threw ${r.err.str}`;
  if (r.v === undefined) return "no value reported";
  const v = r.v;
  switch (check.kind) {
    case "truthy":
      return truthy(v) ? undefined : `got ${show(v)}, expected a truthy value`;
    case "strictEqual":
      return strictEqual(v, check.expected) ? undefined : `got ${show(v)}, expected ${show(check.expected)}`;
    case "deepStrictEqual":
      return deepStrictEqual(v, check.expected) ? undefined : `got ${show(v)}, expected ${show(check.expected)}`;
    case "notStrictEqual":
      return strictEqual(v, check.expected) ? `got ${show(v)}, expected anything else` : undefined;
    case "notDeepStrictEqual":
      return deepStrictEqual(v, check.expected) ? `got ${show(v)}, expected anything else` : undefined;
    case "match":
    case "doesNotMatch": {
      if (typeof v !== "string") return `got ${show(v)}, expected a string`;
      const hit = new RegExp(check.pattern.source, check.pattern.flags).test(v);
      return hit === (check.kind === "match")
        ? undefined
        : `${show(v)} ${hit ? "matches" : "does not match"} /${check.pattern.source}/`;
    }
  }
}

function errorMismatch(m: ErrorMatcher, e: ErrInfo): string | undefined {
  if ("className" in m) return e.chain.includes(m.className) ? undefined : `threw ${e.str}, expected a ${m.className}`;
  if ("pattern" in m)
    return new RegExp(m.pattern.source, m.pattern.flags).test(e.str)
      ? undefined
      : `threw ${e.str}, expected a match of /${m.pattern.source}/`;
  const actual = new Map<string, Value>([...e.props, ["name", e.name], ["message", e.message]]);
  for (const [k, want] of m.props) {
    const got = actual.get(k);
    const ok =
      got !== undefined &&
      (want !== null && typeof want === "object" && !Array.isArray(want) && want.$ === "regexp"
        ? typeof got === "string" && new RegExp(want.source, want.flags).test(got)
        : deepStrictEqual(got, want));
    if (!ok) return `threw ${e.str}, expected ${k} ${show(want)}`;
  }
  return undefined;
}
