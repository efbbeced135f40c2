import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  bandLayout,
  estimateJaccard,
  minhash,
  NEAR_DUPLICATE_THRESHOLD,
  searchNearDuplicates,
  shingles,
  similarityStats,
  type SimilarityStats,
} from "../../src/text/similarity.js";
import { Rng } from "../../src/util/rng.js";

/** What the toolkit computed before the search was indexed: every pair compared. */
function allPairs(contents: string[]): SimilarityStats[] {
  const sigs = contents.map(minhash);
  const out = contents.map(() => ({ max: 0, nearDuplicates: 0 }));
  for (let i = 0; i < sigs.length; i++)
    for (let j = i + 1; j < sigs.length; j++) {
      const s = estimateJaccard(sigs[i], sigs[j]);
      out[i].max = Math.max(out[i].max, s);
      out[j].max = Math.max(out[j].max, s);
      if (s >= NEAR_DUPLICATE_THRESHOLD) {
        out[i].nearDuplicates++;
        out[j].nearDuplicates++;
      }
    }
  return out;
}

/** Zipf-ish prose with planted clusters of edited copies, exact copies and empty items. */
function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const vocab = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
  const word = () => vocab[Math.floor(vocab.length * rng.next() ** 3)];
  const out: string[] = [];
  while (out.length < n) {
    const r = rng.next();
    if (out.length > 0 && r < 0.15) {
      const words = out[rng.int(out.length)].split(" ");
      const edits = rng.int(Math.max(1, words.length / 4));
      for (let e = 0; e < edits; e++) words[rng.int(words.length)] = word();
      out.push(words.join(" "));
    } else if (out.length > 0 && r < 0.18) out.push(out[rng.int(out.length)]);
    else if (r < 0.19) out.push(rng.next() < 0.5 ? "" : "a b");
    else out.push(Array.from({ length: 8 + rng.int(60) }, word).join(" "));
  }
  return out;
}

describe("near-duplicate search", () => {
  it("gives exactly the all-pairs maxima and near-duplicate counts", () => {
    for (const seed of [1, 2, 3]) {
      const contents = corpus(700, seed);
      const r = searchNearDuplicates(contents);
      expect(r.method).toBe("exact");
      expect(r.stats).toEqual(allPairs(contents));
    }
  });

  it("does far fewer comparisons than all pairs on a library of mostly distinct items (was n(n-1)/2)", () => {
    const n = 6000;
    const r = searchNearDuplicates(corpus(n, 7));
    expect(r.method).toBe("exact");
    expect(r.comparisons).toBeLessThan((n * (n - 1)) / 2 / 20);
  });

  it.each([2, 3, 4] as const)(
    "with bands of %i positions (over the work budget) counts every near-duplicate and never over-estimates a maximum",
    (rowsPerBand) => {
      const contents = corpus(1500, 11);
      const exact = allPairs(contents);
      const r = searchNearDuplicates(contents, { workBudget: 1, rowsPerBand });
      expect(r.method).toBe("banded");
      expect(r.rowsPerBand).toBe(rowsPerBand);
      let lowerMax = 0;
      for (let i = 0; i < contents.length; i++) {
        expect(r.stats[i].nearDuplicates).toBe(exact[i].nearDuplicates);
        expect(r.stats[i].max).toBeLessThanOrEqual(exact[i].max);
        if (exact[i].max >= NEAR_DUPLICATE_THRESHOLD) expect(r.stats[i].max).toBe(exact[i].max);
        if (r.stats[i].max < exact[i].max) lowerMax++;
      }
      // Low maxima may be missed by wide bands; that is the price named in the module comment.
      expect(lowerMax).toBeLessThan(contents.length);
    },
  );

  it("over the budget, picks the band width with the least estimated work, not always the widest", () => {
    const r = searchNearDuplicates(corpus(1500, 11), { workBudget: 1 });
    expect(r.method).toBe("banded");
    expect(r.rowsPerBand).toBe(2);
  });

  it("every band layout is hit by any 32 agreeing positions (so no near-duplicate pair can be missed)", () => {
    const rng = new Rng(3);
    for (const [r, count] of [
      [1, 64],
      [2, 35],
      [3, 84],
      [4, 230],
    ] as const) {
      const bands = bandLayout(r);
      expect(bands.length).toBe(count);
      const hit = (agree: Set<number>) => bands.some((b) => [...b].every((p) => agree.has(p)));
      // Adversarial: as many positions as possible while avoiding a whole band, greedily, then one more.
      const greedy = new Set<number>();
      for (let p = 0; p < 64 && greedy.size < 32; p++) {
        greedy.add(p);
        if (hit(greedy)) greedy.delete(p);
      }
      expect(greedy.size).toBeLessThan(32);
      for (let t = 0; t < 300; t++) {
        const agree = new Set<number>();
        while (agree.size < 32) agree.add(rng.int(64));
        expect(hit(agree)).toBe(true);
      }
    }
  });

  it("folds many identical items without comparing them pairwise", () => {
    const contents = [
      ...Array.from({ length: 5000 }, () => "the same boilerplate advice for every task"),
      "something else entirely here",
    ];
    const r = searchNearDuplicates(contents);
    expect(r.comparisons).toBeLessThanOrEqual(1);
    expect(r.stats[0]).toEqual({ max: 1, nearDuplicates: 4999 });
    expect(r.stats[5000]).toEqual({ max: 0, nearDuplicates: 0 });
  });

  it("reports progress through each phase", () => {
    const seen = new Set<string>();
    let last = { done: 0, total: 0 };
    similarityStats(corpus(300, 5), {
      onProgress: (done, total, phase) => {
        seen.add(phase);
        if (phase === "near-duplicates") last = { done, total };
      },
    });
    expect([...seen].sort()).toEqual(["near-duplicates", "signatures"]);
    expect(last.done).toBe(last.total);
  });
});

/** MINHASH_SETTINGS spelled out over shingle strings, as docs/features.md describes it for ports. */
function referenceMinhash(text: string): Uint32Array {
  const fnv = (s: string, seed: number) => {
    let h = (0x811c9dc5 ^ seed) >>> 0;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  const sig = new Uint32Array(64).fill(0xffffffff);
  for (const s of shingles(text)) {
    const h1 = fnv(s, 0);
    const h2 = fnv(s, 0x9747b28c) | 1;
    for (let k = 0; k < 64; k++) sig[k] = Math.min(sig[k], (h1 + Math.imul(k, h2)) >>> 0);
  }
  return sig;
}

describe("minhash without shingle strings", () => {
  it("equals hashing the shingle strings, for any text (unicode, surrogate pairs, punctuation runs)", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            "a",
            "B",
            "_",
            "7",
            " ",
            ".",
            "é",
            "İ",
            "ß",
            "中",
            "😀",
            "\u0301",
            "-",
            "\n",
            "Ⅻ",
            "\ud800",
            "\udc00",
          ),
          maxLength: 60,
        }),
        (text) => {
          expect(Array.from(minhash(text))).toEqual(Array.from(referenceMinhash(text)));
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (text) => {
        expect(Array.from(minhash(text))).toEqual(Array.from(referenceMinhash(text)));
      }),
      { numRuns: 300 },
    );
  });
});
