/**
 * The canonical JSON text that audit lines and item content hashes are computed over, and sha256 of a text.
 * One definition (canonicalSlow); canonicalJson gives the same text faster for the data the toolkit hashes.
 */
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level (undefined members left out); the form that is hashed. `omit`
 * leaves out one top-level key (the `hash` of an audit line, the `pending` marker of an item).
 *
 * Plain JSON data (what JSON.parse gives and what the toolkit builds) goes through the native JSON.stringify on
 * the same data with its keys in sorted order: the same text as the member-by-member form (canonicalSlow),
 * several times faster, which matters at a million items. Anything JSON.stringify would treat differently
 * (toJSON, functions, symbols, bigints, undefined in arrays, integer-like keys that objects enumerate first)
 * takes the member-by-member form.
 */
export function canonicalJson(value: unknown, omit?: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const sorted = sortedCopy(value, omit);
  return sorted === UNSAFE ? canonicalSlow(value, omit) : JSON.stringify(sorted);
}

const UNSAFE = Symbol("unsafe");

/**
 * `v` itself when its keys are already in sorted order at every level (nothing to omit), else a copy that is;
 * UNSAFE when JSON.stringify of it could differ from canonicalSlow.
 */
function sortedCopy(v: unknown, omit?: string): unknown {
  if (v === null) return v;
  const t = typeof v;
  if (t === "string" || t === "number" || t === "boolean") return v;
  if (t !== "object") return UNSAFE;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === undefined) return UNSAFE;
      const y = sortedCopy(x);
      if (y === UNSAFE) return UNSAFE;
      if (y !== x && out === null) out = v.slice(0, i);
      if (out !== null) out.push(y);
    }
    return out ?? v;
  }
  const obj = v as Record<string, unknown>;
  // Only plain objects: a boxed primitive, a Date (toJSON) or a typed array stringifies differently.
  const proto = Object.getPrototypeOf(obj);
  if ((proto !== Object.prototype && proto !== null) || typeof obj.toJSON === "function") return UNSAFE;
  const keys = Object.keys(obj);
  const order = keyOrder(keys);
  if (order === UNSAFE) return UNSAFE;
  let copy = order !== SORTED || (omit !== undefined && Object.prototype.hasOwnProperty.call(obj, omit));
  const vals: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const x = obj[keys[i]];
    const y = x === undefined ? x : sortedCopy(x);
    if (y === UNSAFE) return UNSAFE;
    if (y !== x) copy = true;
    vals[i] = y;
  }
  if (!copy) return v;
  // A plain object (a null-prototype one would be a slow dictionary for JSON.stringify).
  const out: Record<string, unknown> = {};
  for (let j = 0; j < keys.length; j++) {
    const i = order === SORTED ? j : order[j];
    if (keys[i] !== omit) out[keys[i]] = vals[i];
  }
  return out;
}

const SORTED = Symbol("sorted");

/** Key lists seen last, with their order: a library's objects share a handful of them. */
const recentKeyOrders: { keys: string[]; order: number[] | typeof SORTED | typeof UNSAFE }[] = [];
const RECENT_KEY_ORDERS = 16;

/**
 * The positions of `keys` in sorted order (SORTED when they are already), or UNSAFE for a key a plain object
 * cannot hold as an ordinary member in insertion order.
 */
function keyOrder(keys: string[]): number[] | typeof SORTED | typeof UNSAFE {
  for (const seen of recentKeyOrders) if (sameKeys(seen.keys, keys)) return seen.order;
  let order: number[] | typeof SORTED | typeof UNSAFE = SORTED;
  for (let i = 0; i < keys.length && order !== UNSAFE; i++) {
    const k = keys[i];
    const c = k.charCodeAt(0);
    // Integer-like keys are enumerated before all others, whatever the insertion order; `__proto__` cannot be
    // set as an ordinary member of the plain object the copy is.
    if ((c >= 48 && c <= 57) || k === "__proto__") order = UNSAFE;
    else if (i > 0 && !(keys[i - 1] < k)) order = [];
  }
  if (order !== SORTED && order !== UNSAFE)
    order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  if (recentKeyOrders.length === RECENT_KEY_ORDERS) recentKeyOrders.shift();
  recentKeyOrders.push({ keys, order });
  return order;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The member-by-member definition of canonicalJson (exported so tests can hold the two equal). */
export function canonicalSlow(value: unknown, omit?: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = "[";
    for (let i = 0; i < value.length; i++) s += (i ? "," : "") + canonicalSlow(value[i]);
    return `${s}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let s = "{";
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || k === omit) continue;
    s += `${s.length > 1 ? "," : ""}${JSON.stringify(k)}:${v === null || typeof v !== "object" ? JSON.stringify(v) : canonicalSlow(v)}`;
  }
  return `${s}}`;
}

/** Node's one-shot hash (20.12+; far cheaper per call than a Hash object, which counts at a million lines). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function sha256(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : createHash("sha256").update(text).digest("hex");
}
