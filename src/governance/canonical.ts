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
  let copy = omit !== undefined && Object.prototype.hasOwnProperty.call(obj, omit);
  let sorted = true;
  const vals: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const c = k.charCodeAt(0);
    // Integer-like keys are enumerated before all others, whatever the insertion order; `__proto__` cannot be
    // set as an ordinary member of the plain object the copy is.
    if ((c >= 48 && c <= 57) || k === "__proto__") return UNSAFE;
    if (i > 0 && !(keys[i - 1] < k)) sorted = false;
    const x = obj[k];
    const y = x === undefined ? x : sortedCopy(x);
    if (y === UNSAFE) return UNSAFE;
    if (y !== x) copy = true;
    vals[i] = y;
  }
  if (!copy && sorted) return v;
  const order = keys.map((_, i) => i);
  if (!sorted) order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  // A plain object (a null-prototype one would be a slow dictionary for JSON.stringify).
  const out: Record<string, unknown> = {};
  for (const i of order) if (keys[i] !== omit) out[keys[i]] = vals[i];
  return out;
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
