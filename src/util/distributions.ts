/** Field distributions of the domain-randomization samplers (executors and worlds): draws inside and beyond a range. */
import type { Rng } from "./rng.js";

/** Which part of a distribution a sampler draws from: the training region or the held-out region beyond it. */
export type Region = "train" | "holdout";

/** One numeric field's distribution: uniform or log-uniform on [lo, hi] (integers rounded, kept in range). */
export interface FieldDist {
  dist: "uniform" | "log-uniform";
  lo: number;
  hi: number;
  integer?: boolean;
}

/** A held-out region of a field: values strictly beyond the training range [lo, hi], up to these bounds. */
export interface HoldoutRange {
  below?: readonly [number, number];
  above?: readonly [number, number];
}

/** Five significant digits: recorded draws stay readable (JSON round-trips them exactly either way). */
const round5 = (x: number) => Number(x.toPrecision(5));

/** A draw in [lo, hi]. */
export function drawField(rng: Rng, d: FieldDist): number {
  const x = d.dist === "log-uniform" ? Math.exp(rng.uniform(Math.log(d.lo), Math.log(d.hi))) : rng.uniform(d.lo, d.hi);
  return d.integer ? Math.min(d.hi, Math.max(d.lo, Math.round(x))) : Math.min(d.hi, Math.max(d.lo, round5(x)));
}

/** A draw strictly outside [d.lo, d.hi], on one side of it (chosen at random when the range has both). */
export function drawBeyond(rng: Rng, d: FieldDist, h: HoldoutRange): number {
  const side = h.below && h.above ? (rng.bernoulli(0.5) ? "below" : "above") : h.below ? "below" : "above";
  const [lo, hi] = h[side]!;
  const [from, to] = side === "above" ? [lo, hi] : [hi, lo];
  const u = 1 - rng.next(); // (0, 1]: the training edge itself is never drawn
  const x = d.dist === "log-uniform" ? from * Math.pow(to / from, u) : from + u * (to - from);
  if (d.integer) return side === "above" ? Math.max(d.hi + 1, Math.ceil(x)) : Math.min(d.lo - 1, Math.floor(x));
  // Rounding must not carry a value back onto the training range's edge.
  const r = round5(x);
  return (side === "above" ? r > d.hi : r < d.lo) ? r : x;
}

export const inRange = (x: number, d: FieldDist): boolean => x >= d.lo && x <= d.hi;
