import { describe, expect, it } from "vitest";
import { chooseForReview, chooseWithCap, rankChanges, sampleRows } from "../../src/governance/choose.js";
import { GovernanceSchema } from "../../src/schemas/world.js";
import { Rng } from "../../src/util/rng.js";

describe("choosing under the change cap", () => {
  it("sampleRows never returns a masked action, even when the draw falls through (the stream's old copy returned it)", () => {
    // A draw past every weight (rounding) falls through to the last index: retire, which is masked here.
    const fallThrough = { categorical: () => 3 } as unknown as Rng;
    const probs = Float32Array.from([0.3, 0.7, 0, 0]);
    const masks = Float32Array.from([1, 1, 1, 0]);
    expect(Array.from(sampleRows(probs, masks, 1, fallThrough))).toEqual([1]);
    // Ordinary draws: same seed, same choices, each allowed.
    const many = Float32Array.from({ length: 400 }, (_, k) => [0.25, 0.25, 0.5, 0][k % 4]);
    const m = Float32Array.from({ length: 400 }, (_, k) => (k % 4 === 3 ? 0 : 1));
    const a = sampleRows(many, m, 100, new Rng(5));
    expect(Array.from(a)).toEqual(Array.from(sampleRows(many, m, 100, new Rng(5))));
    expect(a.every((x) => x !== 3)).toBe(true);
    expect(new Set(a).size).toBe(3);
  });

  it("chooseForReview makes the choices chooseWithCap makes, without touching the probabilities", () => {
    const rules = GovernanceSchema.parse({ maxChangeShare: 0.25 });
    const rows = 8;
    const rng = new Rng(3);
    const probs = Float32Array.from({ length: rows * 4 }, () => rng.next());
    const masks = new Float32Array(rows * 4).fill(1);
    const p1 = probs.slice();
    const m1 = masks.slice();
    const chosen = chooseWithCap(p1, m1, rows, rules);
    const p2 = probs.slice();
    const m2 = masks.slice();
    const review = chooseForReview(p2, m2, rows, rules);
    expect(Array.from(review.chosen)).toEqual(Array.from(chosen));
    expect(Array.from(m2)).toEqual(Array.from(m1));
    expect(Array.from(p2)).toEqual(Array.from(probs));
    const capped = Array.from(review.cappedFrom).filter((a) => a >= 0);
    expect(capped.length).toBe(Array.from(m1).filter((v, k) => k % 4 === 3 && v === 0).length);
    expect(capped.length).toBeGreaterThan(0);
  });

  it("rankChanges orders by the chosen probability, highest first, ties in row order (as the comparator does)", () => {
    const rng = new Rng(11);
    const rows = 3000;
    // Few distinct values, so ties are common; zeros, tiny and equal values included.
    const values = [0, 1e-30, 1e-7, 0.25, 0.5, 0.5000001, 1];
    const probs = Float32Array.from({ length: rows * 4 }, () => values[rng.int(values.length)]);
    const chosen = Int32Array.from({ length: rows }, () => 2 + rng.int(2));
    const byComparator = (xs: number[]) =>
      [...xs].sort((x, y) => probs[y * 4 + chosen[y]] - probs[x * 4 + chosen[x]] || x - y);
    const changing = Array.from({ length: rows }, (_, r) => r).filter(() => rng.next() < 0.7);
    const expected = byComparator(changing);
    rankChanges(changing, probs, chosen);
    expect(changing).toEqual(expected);
    // -0 and NaN take the comparator: same order as before.
    probs[changing[0] * 4 + chosen[changing[0]]] = -0;
    const again = byComparator(changing);
    rankChanges(changing, probs, chosen);
    expect(changing).toEqual(again);
  });
});
