/**
 * Near-duplicate detection with MinHash over word 3-shingles: an estimate of Jaccard similarity between
 * items' contents. Used by importers and by the runtime to fill the similarity features.
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
/** Jaccard estimate at or above which two items count as near-duplicates. */
export const NEAR_DUPLICATE_THRESHOLD = 0.5;

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function shingles(text: string): string[] {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
  if (words.length < SHINGLE) return words.length ? [words.join(" ")] : [];
  const out: string[] = [];
  for (let i = 0; i + SHINGLE <= words.length; i++) out.push(words.slice(i, i + SHINGLE).join(" "));
  return out;
}

export function minhash(text: string): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  const sh = shingles(text);
  for (const s of sh) {
    const h1 = fnv1a(s, 0);
    const h2 = fnv1a(s, 0x9747b28c) | 1;
    for (let k = 0; k < NUM_HASHES; k++) {
      const h = (h1 + Math.imul(k, h2)) >>> 0;
      if (h < sig[k]) sig[k] = h;
    }
  }
  return sig;
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < NUM_HASHES; k++) if (a[k] === b[k] && a[k] !== 0xffffffff) same++;
  return same / NUM_HASHES;
}

export interface SimilarityStats {
  max: number;
  nearDuplicates: number;
}

/** For each content, its highest similarity to any other and how many others are near-duplicates. O(n^2). */
export function similarityStats(contents: readonly string[]): SimilarityStats[] {
  const sigs = contents.map(minhash);
  const out = contents.map(() => ({ max: 0, nearDuplicates: 0 }));
  for (let i = 0; i < sigs.length; i++) {
    for (let j = i + 1; j < sigs.length; j++) {
      const s = estimateJaccard(sigs[i], sigs[j]);
      if (s > out[i].max) out[i].max = s;
      if (s > out[j].max) out[j].max = s;
      if (s >= NEAR_DUPLICATE_THRESHOLD) {
        out[i].nearDuplicates++;
        out[j].nearDuplicates++;
      }
    }
  }
  return out;
}
