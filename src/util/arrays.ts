/**
 * Array helpers for data-sized arrays. Spreading an array into a call (`Math.max(...xs)`, `out.push(...xs)`)
 * passes every element as an argument, and past ~100k elements that overflows the stack; these loop instead.
 */

/** Appends every element of `items` to `target`; returns `target`. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest of `floor` and `values`. */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest of `ceiling` and `values`. */
export function minOf(values: Iterable<number>, ceiling = Infinity): number {
  let m = ceiling;
  for (const v of values) if (v < m) m = v;
  return m;
}
