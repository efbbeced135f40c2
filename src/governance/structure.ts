/**
 * Structural curation rules: decisions that follow from the library's structure and text, not from learned
 * judgement. All are pure functions of the item list, so the same library always gives the same answer; decide
 * applies them to every pass (they narrow the allowed actions, never widen them, and never leave an item with
 * none: where they would, governance's own mask stands).
 *
 * - Skill dependency graph: a skill whose name another live skill calls must not be retired (retiring it breaks
 *   the caller). Calls are parsed from the code: for JavaScript (Voyager) skills, the skill's name is its id's last
 *   segment when the code declares that function, else the last function it declares (see skillName), and skill A
 *   calls skill B when A's code, with comments and string literals removed, holds `B(` as a whole identifier
 *   and A does not declare a function named B itself (its own helper, or a copy of B). Self-calls do not count.
 * - Exact duplicates: items whose contents are equal after trimming, collapsing whitespace and lower-casing form a
 *   group; one is kept — a pinned copy (pinned items cannot be retired; decide pins the items without new
 *   evidence this pass, so an established copy outlasts a new one), then the most helpful net of harmful
 *   (helpful − harmful), then the most successes when retrieved, then the oldest (smallest createdAt), then the
 *   earliest in the list — and the rest are retired (archived, restorable). A duplicate that a live skill calls
 *   is not forced out.
 * - Placeholder text: an item whose text stands for content that is not there (the featurizer's `placeholder`
 *   flag: empty, an elision line such as "[Previous content preserved...]", or only placeholder words) is
 *   rewritten or retired, never kept or compressed as it is.
 * - No-op skills: a JavaScript skill that declares a function whose body, without comments, strings and chat /
 *   log calls, is empty, or that is saved under a prompt template's name (`yourMainFunctionName`), is rewritten
 *   or retired. Code in other languages, or prose, is never judged a no-op.
 */
import { NUM_ACTIONS } from "../actions.js";
import type { LibraryItem } from "../schemas/item.js";
import { skillCalls, skillName, stripJsNoise } from "../text/skill-calls.js";

export { declaredFunctions, skillCalls, skillName, stripJsNoise } from "../text/skill-calls.js";

/** Mask bits, as in the decide route's allowed lists: keep = 1, compress = 2, rewrite = 4, retire = 8. */
export const MASK_BITS = { keep: 1, compress: 2, rewrite: 4, retire: 8 } as const;
export const ALL_ACTIONS_BITS = 15;

type Item = Pick<LibraryItem, "id" | "kind" | "content"> & Partial<Pick<LibraryItem, "stats" | "library" | "pinned">>;

/**
 * Per-row mask bits: retire is forbidden for a skill that another skill in `items` (the live library) calls;
 * every other action stays allowed. AND these bits into the governance mask.
 */
export function dependencyMaskBits(items: readonly Item[]): Uint8Array {
  const bits = new Uint8Array(items.length).fill(ALL_ACTIONS_BITS);
  for (const callees of skillCalls(items)) for (const c of callees) bits[c] &= ~MASK_BITS.retire;
  return bits;
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
  // A hash of each row's key (computed without building the normalised text); only rows whose hash repeats are
  // grouped by the key itself. A million items: 2.6 s on the idle 2-core machine (8.4 s keying every row by text).
  const n = items.length;
  const keys = new Float64Array(n);
  for (let r = 0; r < n; r++) keys[r] = keyHash(items[r]);
  const sorted = keys.slice().sort();
  const repeated = new Set<number>();
  for (let i = 1; i < n; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]);
  const byText = new Map<string, number[]>();
  for (let r = 0; r < n; r++) {
    if (!repeated.has(keys[r])) continue;
    const key = duplicateKey(items[r]);
    const g = byText.get(key);
    if (g) g.push(r);
    else byText.set(key, [r]);
  }
  const keptRow = Int32Array.from({ length: n }, (_, r) => r);
  const retire: boolean[] = new Array(n).fill(false);
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

/** Duplicates only within one library (a file may hold several: the `library` field) and one kind. */
function duplicateKey(it: Item): string {
  return `${it.library ?? ""}\u0000${it.kind}\u0000${normalizeContent(it.content)}`;
}

const FNV_PRIME = 0x01000193;
const MIX_2 = 0x5bd1e995;

/**
 * A 53-bit hash of duplicateKey(it), equal whenever the keys are equal. ASCII text is hashed as normalizeContent
 * would read it (whitespace runs as one space, trimmed, lower-cased) without building the string; other text
 * through normalizeContent itself (Unicode lower-casing and spaces are not per character).
 */
function keyHash(it: Item): number {
  const head = `${it.library ?? ""}\u0000${it.kind}\u0000`;
  let h1 = 0x811c9dc5;
  let h2 = FNV_PRIME;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, FNV_PRIME);
    h2 = Math.imul(h2 ^ c, MIX_2);
  }
  let text = it.content;
  let ascii = true;
  for (let i = 0; i < text.length; i++)
    if (text.charCodeAt(i) >= 128) {
      ascii = false;
      break;
    }
  if (!ascii) text = normalizeContent(text);
  let started = false;
  let space = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      space = started;
      continue;
    }
    if (space) {
      h1 = Math.imul(h1 ^ 32, FNV_PRIME);
      h2 = Math.imul(h2 ^ 32, MIX_2);
      space = false;
    }
    started = true;
    if (ascii && c >= 65 && c <= 90) c += 32;
    h1 = Math.imul(h1 ^ c, FNV_PRIME);
    h2 = Math.imul(h2 ^ c, MIX_2);
  }
  return (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff);
}

/** Negative when `a` is the better one to keep: a pinned copy first (it cannot be retired), then by the rule above. */
export function compareForKeeping(a: Item, b: Item): number {
  const net = (x: Item) => (x.stats?.helpful ?? 0) - (x.stats?.harmful ?? 0);
  return (
    (b.pinned ? 1 : 0) - (a.pinned ? 1 : 0) ||
    net(b) - net(a) ||
    (b.stats?.successes ?? 0) - (a.stats?.successes ?? 0) ||
    (a.stats?.createdAt ?? Infinity) - (b.stats?.createdAt ?? Infinity)
  );
}

/** Names an agent copied from its prompt template instead of naming the skill. */
const JUNK_NAME = /^(?:your\w*|main\w*)function\w*name$|^(?:main|mainFunction|functionName)$/i;
const FUNCTION = /\bfunction\b|=>/;
/** Calls that only talk: a skill made of these does nothing. */
const TALK = /(?:await\s+)?(?:bot\.chat|console\.(?:log|info|warn|error))\s*\(\s*[^()]*\)\s*;?/g;

/** A skill saved under its prompt template's name (`yourMainFunctionName`): its callers cannot know it. */
export function isJunkSkill(item: Pick<LibraryItem, "id" | "content">): boolean {
  const saved = (item.id.split("/").pop() ?? "").replace(/@v\d+$/, "");
  return JUNK_NAME.test(saved);
}

/** JavaScript that declares a function whose body is only comments, whitespace and chat / log calls. */
export function isEmptyJsFunction(code: string): boolean {
  return emptyFunction(stripJsNoise(code));
}

/** isEmptyJsFunction on code already stripped of comments and strings. */
function emptyFunction(clean: string): boolean {
  const open = clean.indexOf("{");
  if (!FUNCTION.test(clean) || open < 0) return false;
  const body = clean.slice(open + 1, clean.lastIndexOf("}"));
  return body.replace(TALK, "").replace(/[\s;]/g, "") === "";
}

/** A no-op skill as decide's rule sees it (file header): JavaScript only. */
export function isNoopSkill(item: Pick<LibraryItem, "id" | "kind" | "content">): boolean {
  if (item.kind !== "skill") return false;
  const clean = stripJsNoise(item.content);
  return emptyFunction(clean) || (FUNCTION.test(clean) && isJunkSkill(item));
}

export interface StructuralRules {
  /** Per row: the actions the rules allow (MASK_BITS). */
  bits: Uint8Array;
  /** Per row: why a rule narrowed it, or undefined. */
  why: (string | undefined)[];
}

const CHANGE_ONLY = MASK_BITS.rewrite | MASK_BITS.retire;

/**
 * Every structural rule of the file header over one library (its live items). `placeholder(r)` is the
 * featurizer's placeholder flag of row r (features/content.ts: one definition).
 */
export function structuralRules(items: readonly Item[], placeholder: (row: number) => boolean): StructuralRules {
  const bits = new Uint8Array(items.length).fill(ALL_ACTIONS_BITS);
  const why: (string | undefined)[] = new Array(items.length).fill(undefined);
  const narrow = (r: number, allowed: number, reason: string) => {
    if ((bits[r] & allowed) === 0) return; // a rule never leaves an item with no action
    bits[r] &= allowed;
    why[r] = why[r] ? `${why[r]}; ${reason}` : reason;
  };
  const calls = skillCalls(items);
  calls.forEach((callees, caller) => {
    for (const c of callees)
      if (bits[c] & MASK_BITS.retire)
        narrow(c, ALL_ACTIONS_BITS & ~MASK_BITS.retire, `called by live skill ${skillName(items[caller])}`);
  });
  const dups = resolveExactDuplicates(items);
  for (let r = 0; r < items.length; r++)
    if (dups.retire[r]) narrow(r, MASK_BITS.retire, `exact duplicate of ${items[dups.keptRow[r]].id}`);
  for (let r = 0; r < items.length; r++) {
    if (placeholder(r)) narrow(r, CHANGE_ONLY, "its text stands for content that is not there (elided or placeholder)");
    if (isNoopSkill(items[r])) narrow(r, CHANGE_ONLY, "a skill that does nothing");
  }
  return { bits, why };
}

/**
 * ANDs per-row bits into a rows × 4 float mask, except where that would leave a row with no allowed action (the
 * governance mask then stands). Returns, per row, whether the bits narrowed it.
 */
export function narrowMasks(masks: Float32Array, bits: Uint8Array): boolean[] {
  const narrowed: boolean[] = new Array(bits.length).fill(false);
  for (let r = 0; r < bits.length; r++) {
    const o = r * NUM_ACTIONS;
    let left = 0;
    let removed = 0;
    for (let a = 0; a < NUM_ACTIONS; a++)
      if (masks[o + a] > 0) {
        if (bits[r] & (1 << a)) left++;
        else removed++;
      }
    if (left === 0 || removed === 0) continue;
    for (let a = 0; a < NUM_ACTIONS; a++) if (!(bits[r] & (1 << a))) masks[o + a] = 0;
    narrowed[r] = true;
  }
  return narrowed;
}
