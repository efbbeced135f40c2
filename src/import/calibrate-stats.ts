/** Summary statistics shared by the real (calibrate.ts) and simulated (calibrate-world.ts) measurements. */
export interface Distribution {
  n: number;
  mean: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

/** Linear-interpolation quantile (numpy's default), on a sorted copy. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export function distribution(xs: readonly number[]): Distribution | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    mean: r4(s.reduce((a, b) => a + b, 0) / s.length),
    median: r4(quantile(s, 0.5)),
    p10: r4(quantile(s, 0.1)),
    p90: r4(quantile(s, 0.9)),
    min: s[0],
    max: s.at(-1)!,
  };
}
