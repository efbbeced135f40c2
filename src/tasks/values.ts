/**
 * Values as they cross the sandbox wall: a JSON encoding in which every JavaScript value a test can compare
 * has one form (objects always tagged, so arrays and strings stay plain JSON). The sandbox encodes what the
 * code computed (see probe-runtime.ts); the task's expected values are encoded in this process from the task
 * file's literals (literal.ts); comparisons run here, on the encodings, following node:assert/strict.
 * Everything that comes from the sandbox is checked with `isValue` before it is read.
 */
export type Value =
  | null
  | boolean
  | number
  | string
  | Value[]
  | { $: "undefined" }
  | { $: "num"; v: "NaN" | "Infinity" | "-Infinity" | "-0" }
  | { $: "bigint"; v: string }
  | { $: "symbol"; v: string }
  | { $: "object"; proto: string; v: Array<[string, Value]> }
  | { $: "map"; v: Array<[Value, Value]> }
  | { $: "set"; v: Value[] }
  | { $: "date"; v: string }
  | { $: "regexp"; source: string; flags: string }
  | { $: "error"; name: string; message: string }
  | { $: "function"; name: string }
  /** a cycle, or a value deeper or larger than the sandbox reports: equal to nothing */
  | { $: "cut"; why: string };

const MAX_DEPTH = 64;
const TAGS = new Set([
  "undefined",
  "num",
  "bigint",
  "symbol",
  "object",
  "map",
  "set",
  "date",
  "regexp",
  "error",
  "function",
  "cut",
]);

const own = (o: object, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;
const isStr = (x: unknown): x is string => typeof x === "string";

/** Whether untrusted JSON is a well-formed Value. */
export function isValue(x: unknown, depth = 0): x is Value {
  if (depth > MAX_DEPTH) return false;
  if (x === null || typeof x === "boolean" || typeof x === "string") return true;
  if (typeof x === "number") return Number.isFinite(x);
  if (Array.isArray(x)) return x.every((e) => isValue(e, depth + 1));
  if (typeof x !== "object") return false;
  const tag = own(x, "$");
  if (!isStr(tag) || !TAGS.has(tag)) return false;
  const v = own(x, "v");
  switch (tag) {
    case "undefined":
      return true;
    case "num":
      return v === "NaN" || v === "Infinity" || v === "-Infinity" || v === "-0";
    case "bigint":
      return isStr(v) && /^-?\d+$/.test(v);
    case "symbol":
    case "date":
      return isStr(v);
    case "object":
      return (
        isStr(own(x, "proto")) &&
        Array.isArray(v) &&
        v.every((e) => Array.isArray(e) && e.length === 2 && isStr(e[0]) && isValue(e[1], depth + 1))
      );
    case "map":
      return (
        Array.isArray(v) &&
        v.every((e) => Array.isArray(e) && e.length === 2 && isValue(e[0], depth + 1) && isValue(e[1], depth + 1))
      );
    case "set":
      return Array.isArray(v) && v.every((e) => isValue(e, depth + 1));
    case "regexp":
      return isStr(own(x, "source")) && isStr(own(x, "flags"));
    case "error":
      return isStr(own(x, "name")) && isStr(own(x, "message"));
    case "function":
      return isStr(own(x, "name"));
    default:
      return isStr(own(x, "why"));
  }
}

type Tagged = Exclude<Value, null | boolean | number | string | Value[]>;
const tagOf = (x: Value): Tagged["$"] | "primitive" | "array" =>
  Array.isArray(x) ? "array" : x !== null && typeof x === "object" ? x.$ : "primitive";
const isPrimitive = (x: Value) => ["primitive", "undefined", "num", "bigint"].includes(tagOf(x));

/** assert.strictEqual: Object.is on primitives; an object is only ever equal to itself, never to a literal. */
export function strictEqual(a: Value, b: Value): boolean {
  return isPrimitive(a) && isPrimitive(b) && primitiveKey(a) === primitiveKey(b);
}

const primitiveKey = (x: Value): string =>
  x !== null && typeof x === "object" && !Array.isArray(x) ? `${x.$}:${"v" in x ? x.v : ""}` : JSON.stringify(x);

/** assert.deepStrictEqual on encodings: same prototypes, same own keys in any order, Maps and Sets unordered. */
export function deepStrictEqual(a: Value, b: Value): boolean {
  const ta = tagOf(a);
  if (ta !== tagOf(b)) return false;
  if (isPrimitive(a)) return strictEqual(a, b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepStrictEqual(x, b[i]));
  const x = a as Tagged;
  const y = b as Tagged;
  switch (x.$) {
    case "object": {
      const o = y as typeof x;
      if (x.proto !== o.proto || x.v.length !== o.v.length) return false;
      const other = new Map(o.v);
      return x.v.every(([k, v]) => other.has(k) && deepStrictEqual(v, other.get(k)!));
    }
    case "map":
      return unorderedEqual(
        x.v,
        (y as typeof x).v,
        (p, q) => deepStrictEqual(p[0], q[0]) && deepStrictEqual(p[1], q[1]),
      );
    case "set":
      return unorderedEqual(x.v, (y as typeof x).v, deepStrictEqual);
    case "date":
      return x.v === (y as typeof x).v;
    case "regexp":
      return x.source === (y as typeof x).source && x.flags === (y as typeof x).flags;
    case "error":
      return x.name === (y as typeof x).name && x.message === (y as typeof x).message;
    default:
      return false; // functions, symbols and cut values have an identity no literal can name
  }
}

function unorderedEqual<T>(a: T[], b: T[], eq: (p: T, q: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  return a.every((p) => {
    const j = b.findIndex((q, k) => !used[k] && eq(p, q));
    if (j < 0) return false;
    used[j] = true;
    return true;
  });
}

export function truthy(x: Value): boolean {
  if (x === null || x === false || x === 0 || x === "") return false;
  const t = tagOf(x);
  if (t === "undefined") return false;
  if (t === "num") return (x as { v: string }).v === "Infinity" || (x as { v: string }).v === "-Infinity";
  if (t === "bigint") return (x as { v: string }).v.replace("-", "") !== "0";
  return true;
}

/** A short JavaScript-like rendering for failure messages. */
export function show(x: Value, budget = 120): string {
  const s = render(x);
  return s.length > budget ? `${s.slice(0, budget - 1)}…` : s;
}

function render(x: Value): string {
  if (Array.isArray(x)) return `[${x.map(render).join(", ")}]`;
  if (x === null || typeof x !== "object") return JSON.stringify(x);
  switch (x.$) {
    case "undefined":
      return "undefined";
    case "num":
      return x.v;
    case "bigint":
      return `${x.v}n`;
    case "symbol":
      return `Symbol(${x.v})`;
    case "object":
      return `${x.proto === "Object" ? "" : `${x.proto} `}{${x.v.map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`).join(", ")}}`;
    case "map":
      return `Map {${x.v.map(([k, v]) => `${render(k)} => ${render(v)}`).join(", ")}}`;
    case "set":
      return `Set {${x.v.map(render).join(", ")}}`;
    case "date":
      return `Date(${x.v})`;
    case "regexp":
      return `/${x.source}/${x.flags}`;
    case "error":
      return `${x.name}: ${x.message}`;
    case "function":
      return `[Function ${x.name || "(anonymous)"}]`;
    default:
      return `[${x.why}]`;
  }
}
