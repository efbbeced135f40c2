import { describe, expect, it } from "vitest";
import { capMarginals } from "../../src/governance/propensity.js";
import { chooseWithCap, sampleRows } from "../../src/governance/choose.js";
import { GovernanceSchema } from "../../src/schemas/world.js";
import { Rng } from "../../src/util/rng.js";

/** A pass of `rows` rows with random probabilities (some masked), epsilon-style. */
function pass(rows: number, seed: number) {
  const rng = new Rng(seed);
  const probs = new Float32Array(rows * 4);
  const masks = new Float32Array(rows * 4).fill(1);
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 0) masks[r * 4 + 3] = 0;
    let total = 0;
    for (let a = 0; a < 4; a++) total += probs[r * 4 + a] = masks[r * 4 + a] * (0.05 + rng.next() * (a >= 2 ? 0.4 : 1));
    for (let a = 0; a < 4; a++) probs[r * 4 + a] /= total;
  }
  return { probs, masks };
}

describe("capMarginals", () => {
  it("matches the frequencies of chooseWithCap's final actions under seeded sampling", () => {
    const rules = GovernanceSchema.parse({ maxChangeShare: 0.2 });
    const rows = 12;
    const { probs, masks } = pass(rows, 7);
    const exact = capMarginals(probs, masks, rows, rules);
    const counts = new Float64Array(rows * 4);
    const rng = new Rng(11);
    const n = 20000;
    for (let k = 0; k < n; k++) {
      const p = probs.slice();
      const m = masks.slice();
      const chosen = chooseWithCap(p, m, rows, rules, sampleRows(p, m, rows, rng));
      for (let r = 0; r < rows; r++) counts[r * 4 + chosen[r]]++;
    }
    for (let i = 0; i < rows * 4; i++) expect(Math.abs(counts[i] / n - exact[i])).toBeLessThan(0.015);
    for (let r = 0; r < rows; r++) {
      expect(exact[r * 4] + exact[r * 4 + 1] + exact[r * 4 + 2] + exact[r * 4 + 3]).toBeCloseTo(1, 6);
      if (masks[r * 4 + 3] === 0) expect(exact[r * 4 + 3]).toBe(0);
    }
    // The cap binds here: some change probability is moved to keep / compress.
    expect([...exact].some((v, i) => i % 4 >= 2 && v < probs[i] - 0.01)).toBe(true);
  });

  it("is the one-hot of chooseWithCap's argmax choice when nothing is sampled", () => {
    const rules = GovernanceSchema.parse({ maxChangeShare: 0.1 });
    const { probs, masks } = pass(20, 3);
    const chosen = chooseWithCap(probs.slice(), masks.slice(), 20, rules);
    const oneHot = capMarginals(probs, masks, 20, rules, false);
    for (let r = 0; r < 20; r++) expect(oneHot[r * 4 + chosen[r]]).toBe(1);
  });

  it("the normal approximation for large libraries matches sampled frequencies", async () => {
    const rules = GovernanceSchema.parse({ maxChangeShare: 0.1 });
    const rows = 400;
    const { probs, masks } = pass(rows, 5);
    const approx = capMarginals(probs, masks, rows, rules);
    expect((await import("../../src/governance/propensity.js")).EXACT_ROWS).toBeLessThan(rows);
    const counts = new Float64Array(rows * 4);
    const rng = new Rng(3);
    const n = 1500;
    for (let k = 0; k < n; k++) {
      const p = probs.slice();
      const m = masks.slice();
      const chosen = chooseWithCap(p, m, rows, rules, sampleRows(p, m, rows, rng));
      for (let r = 0; r < rows; r++) counts[r * 4 + chosen[r]]++;
    }
    let worst = 0;
    for (let i = 0; i < rows * 4; i++) worst = Math.max(worst, Math.abs(counts[i] / n - approx[i]));
    expect(worst).toBeLessThan(0.05);
  });
});
