/**
 * Near-duplicate detection with MinHash over word 3-shingles: an estimate of Jaccard similarity between
 * items' contents (the share of the 64 signature positions on which two items agree). Used by importers and
 * by the runtime to fill the similarity features.
 *
 * The search compares every pair only when that is cheap. Identical signatures are folded into one
 * representative (with a multiplicity); candidate pairs come from bucketing representatives by "bands" of
 * signature positions (locality-sensitive hashing), and each candidate pair is scored once with the full
 * 64-position estimate, exactly as a pairwise comparison scores it. Which bands (see choosePlan):
 * - exact (64 bands of one position): a pair agreeing anywhere shares a bucket, and a pair agreeing nowhere
 *   has estimate 0, which changes neither a maximum nor a count. The result is identical to all pairs; the
 *   work is the number of (pair, position) agreements. Used whenever that work, or the plain all-pairs
 *   loop, fits the work budget (always below ~7,700 distinct contents).
 * - banded (bands of r = 2..4 positions, see bandLayout): chance agreements between unrelated items mostly
 *   stop producing candidates, so large libraries stay fast. Every near-duplicate pair is still found (a
 *   pigeonhole guarantee, not a probability), so near-duplicate counts are exact, and so is every maximum of
 *   0.5 or more. A lower maximum is found when the pair agrees on a whole band (likely for 0.3 and up), else
 *   the item reports the highest estimate it was found with: lower than all pairs would, never higher.
 */
const NUM_HASHES = 64;
const SHINGLE = 3;
/** The settings a port must reproduce (docs/features.md spells out every step). */
export const MINHASH_SETTINGS = {
  hashes: NUM_HASHES,
  shingleWords: SHINGLE,
  seeds: [0, 0x9747b28c],
  hash: "FNV-1a 32-bit over UTF-16 code units, offset basis 0x811c9dc5 XOR seed, prime 0x01000193",
  words: "lowercase, then split on runs of characters outside \\p{L}, \\p{N} and '_'; empty pieces dropped",
} as const;

/** A signature slot no shingle reached (empty content): never counts as agreement. */
const EMPTY = 0xffffffff;
/** Jaccard estimate at or above which two items count as near-duplicates. */
export const NEAR_DUPLICATE_THRESHOLD = 0.5;
/** Candidate checks one search may spend (each costs well under a microsecond) before it uses wider bands. */
export const DEFAULT_WORK_BUDGET = 30_000_000;

const WORD_SPLIT = /[^\p{L}\p{N}_]+/u;

export function shingles(text: string): string[] {
  const words = text.toLowerCase().split(WORD_SPLIT).filter(Boolean);
  if (words.length < SHINGLE) return words.length ? [words.join(" ")] : [];
  const out: string[] = [];
  for (let i = 0; i + SHINGLE <= words.length; i++) out.push(words.slice(i, i + SHINGLE).join(" "));
  return out;
}

const SPACE = 0x20;
const BASIS = 0x811c9dc5;
const SEED2_BASIS = (BASIS ^ 0x9747b28c) >>> 0;

const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const nonAsciiWordChar = new Map<number, boolean>();

/** Whether the code point is a word character (\p{L}, \p{N} or '_'), as WORD_SPLIT splits. */
function isWordCodePoint(cp: number): boolean {
  if (cp < 0x80)
    return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || cp === 0x5f || (cp >= 0x41 && cp <= 0x5a);
  let known = nonAsciiWordChar.get(cp);
  if (known === undefined) nonAsciiWordChar.set(cp, (known = WORD_CHAR.test(String.fromCodePoint(cp))));
  return known;
}

let bounds = new Int32Array(1024);

/** Start and end (code units) of each word of `text` into `bounds`; returns the word count. */
function wordBounds(text: string): number {
  let n = 0;
  let start = -1;
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    const cp = c < 0xd800 || c > 0xdbff ? c : (text.codePointAt(i) as number);
    const width = cp > 0xffff ? 2 : 1;
    if (isWordCodePoint(cp)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      n = pushBound(n, start, i);
      start = -1;
    }
    i += width;
  }
  return start >= 0 ? pushBound(n, start, text.length) : n;
}

function pushBound(n: number, start: number, end: number): number {
  if (2 * n + 2 > bounds.length) {
    const grown = new Int32Array(bounds.length * 2);
    grown.set(bounds);
    bounds = grown;
  }
  bounds[2 * n] = start;
  bounds[2 * n + 1] = end;
  return n + 1;
}

/**
 * Writes the 64-value MinHash signature of `text` into `out` at `offset`. Hashes each shingle's words and the
 * spaces between them in place: the same FNV-1a values as hashing `shingles(text)`'s strings, without building
 * them (a million-item library would otherwise allocate tens of millions of short strings).
 */
export function minhashInto(text: string, out: Uint32Array, offset: number): void {
  out.fill(EMPTY, offset, offset + NUM_HASHES);
  const lower = text.toLowerCase();
  const n = wordBounds(lower);
  const shingleCount = n < SHINGLE ? (n ? 1 : 0) : n - SHINGLE + 1;
  const width = n < SHINGLE ? n : SHINGLE;
  for (let i = 0; i < shingleCount; i++) {
    let h1 = BASIS;
    let h2 = SEED2_BASIS;
    for (let w = 0; w < width; w++) {
      if (w > 0) {
        h1 = Math.imul(h1 ^ SPACE, 0x01000193);
        h2 = Math.imul(h2 ^ SPACE, 0x01000193);
      }
      for (let c = bounds[2 * (i + w)], end = bounds[2 * (i + w) + 1]; c < end; c++) {
        const u = lower.charCodeAt(c);
        h1 = Math.imul(h1 ^ u, 0x01000193);
        h2 = Math.imul(h2 ^ u, 0x01000193);
      }
    }
    h1 >>>= 0;
    h2 |= 1;
    for (let k = 0; k < NUM_HASHES; k++) {
      const h = (h1 + Math.imul(k, h2)) >>> 0;
      if (h < out[offset + k]) out[offset + k] = h;
    }
  }
}

export function minhash(text: string): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES);
  minhashInto(text, sig, 0);
  return sig;
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < NUM_HASHES; k++) if (a[k] === b[k] && a[k] !== EMPTY) same++;
  return same / NUM_HASHES;
}

/** estimateJaccard of rows i and j of a flat signature table (n × 64). */
function jaccardAt(sigs: Uint32Array, i: number, j: number): number {
  const a = i * NUM_HASHES;
  const b = j * NUM_HASHES;
  let same = 0;
  for (let k = 0; k < NUM_HASHES; k++) if (sigs[a + k] === sigs[b + k] && sigs[a + k] !== EMPTY) same++;
  return same / NUM_HASHES;
}

export interface SimilarityStats {
  max: number;
  nearDuplicates: number;
}

export type SimilarityProgress = (done: number, total: number, phase: string) => void;

export interface SimilarityOptions {
  /** Called now and then with work done so far (phases: "signatures", "near-duplicates"). */
  onProgress?: SimilarityProgress;
  /** Candidate checks an exact plan may spend (tests lower it); default DEFAULT_WORK_BUDGET. */
  workBudget?: number;
  /** Use bands of this many positions (2, 3 or 4) whatever the estimates say (tests, comparisons). */
  rowsPerBand?: 2 | 3 | 4;
}

export interface SimilaritySearch {
  stats: SimilarityStats[];
  /** "exact": identical to comparing every pair; "banded": see the module comment. */
  method: "exact" | "banded";
  /** Signature positions per band (1 for exact banding; 0 when every pair was compared). */
  rowsPerBand: number;
  bands: number;
  /** Pairs of distinct signatures scored (candidate checks), the work the search did. */
  comparisons: number;
}

/** For each content, its highest similarity to any other and how many others are near-duplicates. */
export function similarityStats(contents: readonly string[], opts: SimilarityOptions = {}): SimilarityStats[] {
  return searchNearDuplicates(contents, opts).stats;
}

export function searchNearDuplicates(contents: readonly string[], opts: SimilarityOptions = {}): SimilaritySearch {
  const n = contents.length;
  const sigs = new Uint32Array(n * NUM_HASHES);
  const every = Math.max(1, Math.ceil(n / 100));
  for (let i = 0; i < n; i++) {
    minhashInto(contents[i], sigs, i * NUM_HASHES);
    if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1, n, "signatures");
  }
  return searchSignatures(sigs, n, opts);
}

/** Distinct signatures: `rep[i]` is the first row with row i's signature; `mult[r]` counts rows sharing it. */
function foldIdentical(sigs: Uint32Array, n: number): { rep: Uint32Array; reps: Uint32Array; mult: Uint32Array } {
  const rep = new Uint32Array(n);
  const mult = new Uint32Array(n);
  const firstByKey = new Map<number, number>();
  const list: number[] = [];
  for (let i = 0; i < n; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let k = 0; k < NUM_HASHES; k++) {
      const v = sigs[i * NUM_HASHES + k];
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 15);
    }
    // 53-bit key; on a collision with a different signature, probe the next key.
    let key = (h1 >>> 0) * 0x200000 + (h2 & 0x1fffff);
    for (;;) {
      const r = firstByKey.get(key);
      if (r === undefined) {
        firstByKey.set(key, i);
        rep[i] = i;
        list.push(i);
        break;
      }
      if (sameSignature(sigs, r, i)) {
        rep[i] = r;
        break;
      }
      key = key === Number.MAX_SAFE_INTEGER ? 0 : key + 1;
    }
    mult[rep[i]]++;
  }
  return { rep, reps: Uint32Array.from(list), mult };
}

function sameSignature(sigs: Uint32Array, i: number, j: number): boolean {
  for (let k = 0; k < NUM_HASHES; k++) if (sigs[i * NUM_HASHES + k] !== sigs[j * NUM_HASHES + k]) return false;
  return true;
}

/** Agreeing signature positions that make a near-duplicate (estimate = agreeing / 64). */
const NEAR_DUPLICATE_AGREEMENTS = Math.ceil(NEAR_DUPLICATE_THRESHOLD * NUM_HASHES);

/**
 * Bands of `rowsPerBand` positions that every near-duplicate pair agrees on at least once. The 64 positions
 * are split into g = ⌊(A−1)/(r−1)⌋ groups (A = NEAR_DUPLICATE_AGREEMENTS) and every r-subset of a group is a
 * band: a pair agreeing on A positions has, by pigeonhole, r of them in one group. r = 1: 64 single
 * positions (every agreeing pair); r = 2, 3, 4: 35, 84, 230 bands.
 */
export function bandLayout(rowsPerBand: number): Uint8Array[] {
  if (rowsPerBand === 1) return Array.from({ length: NUM_HASHES }, (_, k) => Uint8Array.of(k));
  const groups = Math.floor((NEAR_DUPLICATE_AGREEMENTS - 1) / (rowsPerBand - 1));
  const bands: Uint8Array[] = [];
  let first = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(NUM_HASHES / groups) + (g < NUM_HASHES % groups ? 1 : 0);
    const pick = (from: number, chosen: number[]): void => {
      if (chosen.length === rowsPerBand) bands.push(Uint8Array.from(chosen));
      else for (let p = from; p < first + size; p++) pick(p + 1, [...chosen, p]);
    };
    pick(first, []);
    first += size;
  }
  return bands;
}

/** Bands whose keys are computed in one pass over the signatures (each row is read once for all of them). */
const BANDS_PER_PASS = 8;

/**
 * Reusable bucket arrays: reps grouped by a hash of their values on one band. Keys are computed for up to
 * BANDS_PER_PASS bands per pass over the signature table, so a million-row table is read from memory once per
 * pass rather than once per band.
 */
class Buckets {
  /** keys of the band being bucketed, by position in `reps` */
  keys: Uint32Array;
  readonly order: Uint32Array;
  readonly start: Uint32Array;
  readonly slotOf: Int32Array;
  private readonly cursor: Uint32Array;
  private readonly shift: number;
  private readonly passKeys: Uint32Array[];
  private readonly passSkip: Uint8Array[];
  constructor(
    private readonly sigs: Uint32Array,
    private readonly reps: Uint32Array,
  ) {
    const bits = Math.max(4, Math.ceil(Math.log2(Math.max(2, reps.length) * 2)));
    this.shift = 32 - bits;
    this.order = new Uint32Array(reps.length);
    this.start = new Uint32Array((1 << bits) + 1);
    this.slotOf = new Int32Array(reps.length);
    this.cursor = new Uint32Array(1 << bits);
    this.passKeys = [];
    this.passSkip = [];
    this.keys = new Uint32Array(0);
  }

  /** Computes the keys of up to BANDS_PER_PASS bands in one pass over the reps' signatures. */
  prepare(bands: readonly Uint8Array[]): void {
    const { sigs, reps } = this;
    while (this.passKeys.length < bands.length) {
      this.passKeys.push(new Uint32Array(reps.length));
      this.passSkip.push(new Uint8Array(reps.length));
    }
    for (let x = 0; x < reps.length; x++) {
      const base = reps[x] * NUM_HASHES;
      for (let g = 0; g < bands.length; g++) {
        const band = bands[g];
        let key = 0x811c9dc5;
        let skip = 0;
        for (let t = 0; t < band.length; t++) {
          const v = sigs[base + band[t]];
          if (v === EMPTY) skip = 1;
          key = band.length === 1 ? v : Math.imul(key ^ v, 0x01000193) ^ (key >>> 13);
        }
        this.passKeys[g][x] = key >>> 0;
        this.passSkip[g][x] = skip;
      }
    }
  }

  /** Groups reps by the g-th prepared band: members of slot s are order[start[s] .. start[s+1]). */
  sort(g: number): void {
    const { order, start, slotOf, reps } = this;
    const keys = (this.keys = this.passKeys[g]);
    const skip = this.passSkip[g];
    start.fill(0);
    for (let x = 0; x < reps.length; x++) {
      const slot = skip[x] ? -1 : Math.imul(keys[x], 0x9e3779b1) >>> this.shift;
      slotOf[x] = slot;
      if (slot >= 0) start[slot + 1]++;
    }
    for (let s = 1; s < start.length; s++) start[s] += start[s - 1];
    const cursor = this.cursor;
    cursor.set(start.subarray(0, cursor.length));
    for (let x = 0; x < reps.length; x++) if (slotOf[x] >= 0) order[cursor[slotOf[x]]++] = x;
  }

  fill(band: Uint8Array): void {
    this.prepare([band]);
    this.sort(0);
  }

  /** Σ over slots of m·(m−1)/2: candidate pairs this band yields (slot collisions included). */
  pairCount(): number {
    let pairs = 0;
    for (let s = 0; s + 1 < this.start.length; s++) {
      const m = this.start[s + 1] - this.start[s];
      pairs += (m * (m - 1)) / 2;
    }
    return pairs;
  }
}

type Plan = { kind: "all-pairs" } | { kind: "bands"; rowsPerBand: number; bands: Uint8Array[] };

/**
 * What bucketing one rep on one band costs, in candidate checks: the pass writes to a table as large as the
 * library at random, which on a million items costs more than checking a candidate pair (measured on the
 * 1M-item bench library: 230 bands of r = 4 took 114 s of CPU for 1.0M pair checks; 35 bands of r = 2 take
 * 16 s for 15.3M).
 */
const BAND_PASS_COST = 3;

/**
 * The cheapest exact plan when one fits the budget (banding on single positions, or all pairs), else the
 * narrowest band width whose candidate pairs fit it, else the band width with the least estimated work
 * (candidate pairs + BAND_PASS_COST per rep per band). Candidate pairs are estimated by scaling those of
 * SAMPLE_BANDS evenly spaced bands to all of them; a width whose band passes alone cost more than the best
 * so far is not sampled.
 */
function choosePlan(buckets: Buckets, reps: number, budget: number, forced?: number): Plan {
  if (forced !== undefined) return { kind: "bands", rowsPerBand: forced, bands: bandLayout(forced) };
  const SAMPLE_BANDS = 4;
  const allPairs = (reps * (reps - 1)) / 2;
  let best: { cost: number; r: number; bands: Uint8Array[] } | null = null;
  for (const r of [1, 2, 3, 4]) {
    const bands = bandLayout(r);
    const passes = BAND_PASS_COST * bands.length * reps;
    if (r > 1 && best && passes >= best.cost) continue;
    let sampled = 0;
    for (let b = 0; b < SAMPLE_BANDS; b++) {
      buckets.fill(bands[Math.floor((b * bands.length) / SAMPLE_BANDS)]);
      sampled += buckets.pairCount();
    }
    const work = (sampled * bands.length) / SAMPLE_BANDS;
    if (r === 1 && allPairs <= budget && allPairs < work) return { kind: "all-pairs" };
    if (work <= budget) return { kind: "bands", rowsPerBand: r, bands };
    if (r > 1 && (!best || work + passes < best.cost)) best = { cost: work + passes, r, bands };
  }
  if (!best) throw new Error("unreachable: r = 2 is always sampled");
  return { kind: "bands", rowsPerBand: best.r, bands: best.bands };
}

/** Whether reps u and v (signature rows) agree on every position of `band`, none of them empty. */
function agreeOn(sigs: Uint32Array, u: number, v: number, band: Uint8Array): boolean {
  for (let t = 0; t < band.length; t++) {
    const a = sigs[u * NUM_HASHES + band[t]];
    if (a === EMPTY || a !== sigs[v * NUM_HASHES + band[t]]) return false;
  }
  return true;
}

/** searchNearDuplicates on precomputed signatures (a flat n × 64 table from minhashInto). */
export function searchSignatures(sigs: Uint32Array, n: number, opts: SimilarityOptions = {}): SimilaritySearch {
  const budget = opts.workBudget ?? DEFAULT_WORK_BUDGET;
  const { rep, reps, mult } = foldIdentical(sigs, n);
  const max = new Float64Array(n);
  const near = new Float64Array(n);
  const score = (u: number, v: number): void => {
    const s = jaccardAt(sigs, u, v);
    if (s > max[u]) max[u] = s;
    if (s > max[v]) max[v] = s;
    if (s >= NEAR_DUPLICATE_THRESHOLD) {
      near[u] += mult[v];
      near[v] += mult[u];
    }
  };
  let comparisons = 0;
  let plan: Plan = { kind: "all-pairs" };
  if (reps.length > 1) {
    const buckets = new Buckets(sigs, reps);
    plan = choosePlan(buckets, reps.length, budget, opts.rowsPerBand);
    if (plan.kind === "all-pairs") {
      for (let x = 0; x < reps.length; x++) {
        for (let y = x + 1; y < reps.length; y++) score(reps[x], reps[y]);
        comparisons += reps.length - x - 1;
        opts.onProgress?.(x + 1, reps.length, "near-duplicates");
      }
    } else {
      const { bands } = plan;
      for (let b = 0; b < bands.length; b++) {
        if (b % BANDS_PER_PASS === 0) buckets.prepare(bands.slice(b, b + BANDS_PER_PASS));
        buckets.sort(b % BANDS_PER_PASS);
        const { order, start, keys } = buckets;
        for (let s = 0; s + 1 < start.length; s++) {
          for (let p = start[s]; p < start[s + 1]; p++) {
            for (let q = p + 1; q < start[s + 1]; q++) {
              if (keys[order[p]] !== keys[order[q]]) continue;
              const u = reps[order[p]];
              const v = reps[order[q]];
              if (!agreeOn(sigs, u, v, bands[b])) continue;
              // Score each pair once: in the first band where it agrees.
              let seen = false;
              for (let e = 0; e < b && !seen; e++) seen = agreeOn(sigs, u, v, bands[e]);
              if (seen) continue;
              comparisons++;
              score(u, v);
            }
          }
        }
        opts.onProgress?.(b + 1, bands.length, "near-duplicates");
      }
    }
  }
  const stats: SimilarityStats[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rep[i];
    let m = max[r];
    let d = near[r];
    if (mult[r] > 1) {
      // The other rows with the same signature.
      const self = jaccardAt(sigs, r, r);
      if (self > m) m = self;
      if (self >= NEAR_DUPLICATE_THRESHOLD) d += mult[r] - 1;
    }
    stats[i] = { max: m, nearDuplicates: d };
  }
  const exact = plan.kind === "all-pairs" || plan.rowsPerBand === 1;
  return {
    stats,
    method: exact ? "exact" : "banded",
    rowsPerBand: plan.kind === "all-pairs" ? 0 : plan.rowsPerBand,
    bands: plan.kind === "all-pairs" ? 0 : plan.bands.length,
    comparisons,
  };
}
