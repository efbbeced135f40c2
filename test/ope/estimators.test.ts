import { describe, expect, it } from "vitest";
import { NUM_FEATURES } from "../../src/features/featurizer.js";
import { addUnit, design, emptyStats, K, passFeatures, sumStats } from "../../src/ope/linear.js";
import { estimate } from "../../src/ope/estimators.js";
import { multiplicities, percentileCI } from "../../src/ope/ope.js";

/**
 * A hand-made logged bandit: every pass holds `rows` items, each with one feature x; the reward of a pass is the
 * sum over its items of r(x, a) = base[a] + slope[a]·x (additive, linear: the model class is exact). Behaviour
 * uniform over the four actions (propensity 1/4); target deterministic: `pick(x)`.
 */
function bandit(opts: { rows: number; slates: number[][]; xs: number[][]; pick: (x: number) => number }) {
  const base = [1, 2, 3, 4];
  const slope = [0.5, -1, 2, 0];
  const r = (x: number, a: number) => base[a] + slope[a] * x;
  const n = opts.slates.length;
  const total = n * opts.rows;
  const features = new Float32Array(total * NUM_FEATURES);
  const action = new Int32Array(total);
  const target = new Float64Array(total * 4);
  const rho = new Float64Array(total);
  const reward = new Float64Array(n);
  let truth = 0;
  opts.slates.forEach((slate, t) =>
    slate.forEach((a, j) => {
      const i = t * opts.rows + j;
      const x = opts.xs[t][j];
      features[i * NUM_FEATURES] = x;
      action[i] = a;
      const b = opts.pick(x);
      target[i * 4 + b] = 1;
      rho[i] = (a === b ? 1 : 0) / 0.25;
      reward[t] += r(x, a);
      truth += r(x, b) / n;
    }),
  );
  const phi = design(features, total);
  const logged = new Float64Array(total * 4);
  for (let i = 0; i < total; i++) logged[i * 4 + action[i]] = 1;
  const psi = new Float64Array(n * K);
  const psiPi = new Float64Array(n * K);
  const g = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    passFeatures(phi, logged, t * opts.rows, (t + 1) * opts.rows, psi, t * K);
    passFeatures(phi, target, t * opts.rows, (t + 1) * opts.rows, psiPi, t * K);
    g[t] = 1;
    for (let j = 0; j < opts.rows; j++) g[t] += rho[t * opts.rows + j] - 1;
  }
  const s = emptyStats();
  const input = { psi, psiPi, reward, g, next: new Int32Array(n).fill(-1) };
  for (let t = 0; t < n; t++) addUnit(s, input, t);
  return { s, truth, input };
}

const allSlates = (rows: number): number[][] =>
  rows === 0 ? [[]] : allSlates(rows - 1).flatMap((s) => [0, 1, 2, 3].map((a) => [...s, a]));

describe("estimators on a hand-made logged bandit", () => {
  it("one item per pass, every action logged equally often: IPS, SNIPS, DM and DR all give the true value", () => {
    // Each x appears once with each action: the uniform behaviour's expected data, exactly.
    const xs = [-1, 0, 0.5, 2];
    const slates = xs.flatMap(() => [[0], [1], [2], [3]]);
    const { s, truth } = bandit({
      rows: 1,
      slates,
      xs: xs.flatMap((x) => [[x], [x], [x], [x]]),
      pick: (x) => (x > 0 ? 2 : 1),
    });
    const e = estimate(s, { ridge: 0, gamma: 0 });
    expect(truth).toBeCloseTo((3 + 2 + 4 + 7) / 4, 12);
    for (const k of ["ips", "snips", "dm", "dr", "fqe"] as const) expect(e[k]).toBeCloseTo(truth, 8);
  });

  it("two items per pass (a slate): the pseudo-inverse weight makes IPS exact over all 16 equally likely slates", () => {
    const slates = allSlates(2);
    const { s, truth } = bandit({ rows: 2, slates, xs: slates.map(() => [1, -1]), pick: () => 3 });
    const e = estimate(s, { ridge: 0, gamma: 0 });
    expect(e.ips).toBeCloseTo(truth, 10);
    expect(e.snips).toBeCloseTo(truth, 10);
    // The product of the rows' weights would also be unbiased here, but the pseudo-inverse is what scales.
    expect(e.dm).toBeCloseTo(truth, 6);
    expect(e.dr).toBeCloseTo(truth, 6);
  });

  it("IPS lands near the truth on sampled logs; DR equals DM when the model is exact", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 4000;
    const slates = Array.from({ length: n }, () => [Math.floor(rand() * 4)]);
    const xs = Array.from({ length: n }, () => [rand() * 2 - 1]);
    const { s, truth } = bandit({ rows: 1, slates, xs, pick: (x) => (x > 0 ? 0 : 2) });
    const e = estimate(s, { ridge: 0, gamma: 0 });
    expect(Math.abs(e.ips - truth)).toBeLessThan(0.1);
    // The model class holds the truth and the reward has no noise: DM is exact, so DR's correction term vanishes.
    expect(e.dm).toBeCloseTo(truth, 6);
    expect(e.dr).toBeCloseTo(e.dm, 6);
  });

  it("a wrong reward model biases DM; DR corrects it with the propensities", () => {
    const xs = [-1, 0, 0.5, 2];
    const slates = xs.flatMap(() => [[0], [1], [2], [3]]);
    const { s, truth } = bandit({
      rows: 1,
      slates,
      xs: xs.flatMap((x) => [[x], [x], [x], [x]]),
      pick: (x) => (x > 0 ? 2 : 1),
    });
    // A huge ridge flattens the slopes: the model is wrong.
    const e = estimate(s, { ridge: 1e6, gamma: 0 });
    expect(Math.abs(e.dm - truth)).toBeGreaterThan(0.3);
    expect(e.dr).toBeCloseTo(truth, 6);
  });
});

describe("bootstrap", () => {
  it("resamples are deterministic under a seed and differ across seeds", () => {
    const a = multiplicities(10, 20, 1);
    const b = multiplicities(10, 20, 1);
    const c = multiplicities(10, 20, 2);
    expect(a.map((m) => [...m])).toEqual(b.map((m) => [...m]));
    expect(a.map((m) => [...m])).not.toEqual(c.map((m) => [...m]));
    for (const m of a) expect(m.reduce((x, y) => x + y, 0)).toBe(10);
  });

  it("summed per-stream statistics reproduce the estimate of the concatenated data", () => {
    const slates = allSlates(2);
    const { input, s } = bandit({ rows: 2, slates, xs: slates.map((_, t) => [t / 16, -t / 16]), pick: () => 1 });
    const groups = [emptyStats(), emptyStats(), emptyStats()];
    for (let t = 0; t < slates.length; t++) addUnit(groups[t % 3], input, t);
    const whole = estimate(s, { ridge: 1, gamma: 0 });
    const summed = estimate(sumStats(groups, [1, 1, 1]), { ridge: 1, gamma: 0 });
    for (const k of ["ips", "snips", "dm", "dr"] as const) expect(summed[k]).toBeCloseTo(whole[k], 9);
    expect(percentileCI([3, 1, 2, Number.NaN])).toEqual([1, 3]);
  });
});
