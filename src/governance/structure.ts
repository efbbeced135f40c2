/**
 * Structural curation rules: decisions that follow from the library's structure, not from learned judgement.
 * Both are pure functions of the item list, so the same library always gives the same answer.
 *
 * - Skill dependency graph: a skill whose name another live skill calls must not be retired (retiring it breaks
 *   the caller). Calls are parsed from the code: for JavaScript (Voyager) skills, the skill's name is its id's last
 *   segment when the code declares that function, else the last function it declares (see skillName), and skill A
 *   calls skill B when A's code, with comments and string literals removed, holds `B(` as a whole identifier
 *   and A does not declare a function named B itself (its own helper, or a copy of B). Self-calls do not count.
 * - Exact duplicates: items whose contents are equal after trimming, collapsing whitespace and lower-casing form a
 *   group; one is kept — the most helpful net of harmful (helpful − harmful), then the most successes when
 *   retrieved, then the oldest (smallest createdAt), then the earliest in the list — and the rest are retired.
 */
import { NUM_ACTIONS } from "../actions.js";
import type { LibraryItem } from "../schemas/item.js";
import { skillCalls } from "../text/skill-calls.js";

export { declaredFunctions, skillCalls, skillName, stripJsNoise } from "../text/skill-calls.js";

/** Mask bits, as in the decide route's allowed lists: keep = 1, compress = 2, rewrite = 4, retire = 8. */
export const MASK_BITS = { keep: 1, compress: 2, rewrite: 4, retire: 8 } as const;
export const ALL_ACTIONS_BITS = 15;

type Item = Pick<LibraryItem, "id" | "kind" | "content"> & Partial<Pick<LibraryItem, "stats">>;

/**
 * Per-row mask bits: retire is forbidden for a skill that another skill in `items` (the live library) calls;
 * every other action stays allowed. AND these bits into the governance mask.
 */
export function dependencyMaskBits(items: readonly Item[]): Uint8Array {
  const bits = new Uint8Array(items.length).fill(ALL_ACTIONS_BITS);
  for (const callees of skillCalls(items)) for (const c of callees) bits[c] &= ~MASK_BITS.retire;
  return bits;
}

/** Applies per-row mask bits to a rows × 4 float mask in place (an action stays allowed only if both allow it). */
export function andMaskBits(masks: Float32Array, bits: Uint8Array): void {
  for (let r = 0; r < bits.length; r++)
    for (let a = 0; a < NUM_ACTIONS; a++) if (!(bits[r] & (1 << a))) masks[r * NUM_ACTIONS + a] = 0;
}

export function normalizeContent(text: string): string {
  return text.replace(/\s+/g, " ").trim().toLowerCase();
}

export interface DuplicateResolution {
  /** Per row: the row kept for its exact-duplicate group (itself when kept or not duplicated). */
  keptRow: Int32Array;
  /** Per row: true when the row is a duplicate to retire. */
  retire: boolean[];
  /** Groups of 2+ rows with the same normalised content, kept row first. */
  groups: number[][];
}

/** Resolves exact-duplicate groups deterministically (rule in the file header). */
export function resolveExactDuplicates(items: readonly Item[]): DuplicateResolution {
  const byText = new Map<string, number[]>();
  items.forEach((it, r) => {
    const key = `${it.kind}\u0000${normalizeContent(it.content)}`;
    const g = byText.get(key);
    if (g) g.push(r);
    else byText.set(key, [r]);
  });
  const keptRow = Int32Array.from(items, (_, r) => r);
  const retire = items.map(() => false);
  const groups: number[][] = [];
  for (const rows of byText.values()) {
    if (rows.length < 2) continue;
    const ordered = [...rows].sort((x, y) => compareForKeeping(items[x], items[y]) || x - y);
    groups.push(ordered);
    for (const r of ordered.slice(1)) {
      retire[r] = true;
      keptRow[r] = ordered[0];
    }
  }
  return { keptRow, retire, groups };
}

/** Negative when `a` is the better one to keep. */
export function compareForKeeping(a: Item, b: Item): number {
  const net = (x: Item) => (x.stats?.helpful ?? 0) - (x.stats?.harmful ?? 0);
  return (
    net(b) - net(a) ||
    (b.stats?.successes ?? 0) - (a.stats?.successes ?? 0) ||
    (a.stats?.createdAt ?? Infinity) - (b.stats?.createdAt ?? Infinity)
  );
}
