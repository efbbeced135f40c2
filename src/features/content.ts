/**
 * What a harness can compute from an item's text and the tasks now arriving (featurizer obs-v3): content flags,
 * the size of the useful core, relevance to recent tasks and how many live skills call the item. One definition,
 * used by every path that sees real text (decide, endpoint collection, replay); the simulated world draws their
 * counterparts from its hidden truth (src/world/observe.ts) and docs/features.md spells out every step.
 */
import { skillCalls } from "../text/skill-calls.js";

/** How many of the most recent task texts relevance averages over. */
export const RECENT_TASKS = 8;
/** At most this many words (and no digit or code character) make an item "very short generic advice". */
export const SHORT_GENERIC_WORDS = 15;
/** Relevance when no recent task text is known (the mean the world gives an item; see src/world/observe.ts). */
export const RELEVANCE_UNKNOWN = 0.1;

/** Words that carry no content of their own; the useful core and relevance ignore them. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "the and for are but not you all any can had her was one our out has him his how its may new now old see two who " +
    "did get let put say she too use that with have this will your from they know want been good much some time very " +
    "when come here just like long make many more only over such take than them well were what which while into also " +
    "then there these those their would could should about after before other again each every first most must same " +
    "always never often sometimes because however therefore thus using used make sure ensure carefully properly " +
    "check consider important note"
  ).split(" "),
);

/**
 * A line that stands for text the writer left out: `[Previous memory items about … remain unchanged…]`,
 * `[Previous content preserved...]` (the Dynamic Cheatsheet importer marks such lines as elisions).
 */
export const ELISION =
  /^\s*[[(][^\])\n]{0,200}\b(?:unchanged|preserved|retained|remains?|omitted|kept|as before|as is|same as (?:above|before))\b[^\])\n]{0,200}[\])]\s*$/i;
/** Words that alone make a text a placeholder. */
const PLACEHOLDER_WORDS = new Set([
  "todo",
  "tbd",
  "tba",
  "fixme",
  "placeholder",
  "n",
  "a",
  "na",
  "none",
  "null",
  "empty",
  "etc",
]);

/** Lower-cased words: runs of letters, digits and '_' (the same split as the MinHash shingles). */
export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean);
}

/** Words that carry content: 3+ characters and not a stopword. */
function coreWords(words: readonly string[]): string[] {
  return words.filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

/** Text features of one item. */
export interface ContentFlags {
  /** the text stands for content that is not there: empty, holding an elision line, or only placeholder words */
  placeholder: boolean;
  /** at most SHORT_GENERIC_WORDS words, no digit, no code character: advice that fits every task and helps none */
  shortGeneric: boolean;
  /** distinct content words / all words (0 when there are none): low for verbose, repetitive filler */
  coreShare: number;
}

const CODE_CHAR = /[(){}[\]=<>;`\\/]/;

export function contentFlags(text: string): ContentFlags {
  const words = contentWords(text);
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  // Elided text stands for content that is not there, even beside a header or tags the writer kept.
  const placeholder =
    words.length === 0 || lines.some((l) => ELISION.test(l)) || words.every((w) => PLACEHOLDER_WORDS.has(w));
  const shortGeneric =
    !placeholder && words.length <= SHORT_GENERIC_WORDS && !/[0-9]/.test(text) && !CODE_CHAR.test(text);
  const coreShare = words.length === 0 ? 0 : new Set(coreWords(words)).size / words.length;
  return { placeholder, shortGeneric, coreShare };
}

/** The content-word sets of the most recent task texts (oldest first in, last RECENT_TASKS kept). */
export function recentTaskWords(tasks: readonly string[]): Set<string>[] {
  return tasks
    .slice(-RECENT_TASKS)
    .map((t) => new Set(coreWords(contentWords(t))))
    .filter((s) => s.size > 0);
}

/**
 * Relevance of an item to the tasks now arriving: the mean, over the recent task texts that have content words,
 * of the share of a task's content words the item's text contains. null when no such task text is known.
 */
export function taskRelevance(text: string, tasks: readonly Set<string>[]): number | null {
  if (tasks.length === 0) return null;
  const mine = new Set(coreWords(contentWords(text)));
  let sum = 0;
  for (const t of tasks) {
    let hit = 0;
    for (const w of t) if (mine.has(w)) hit++;
    sum += hit / t.size;
  }
  return sum / tasks.length;
}

/** Per item: how many other items of the list (one library) call it (skills calling skills, as structure.ts parses calls). */
export function referencedBy(items: readonly { id: string; kind: "skill" | "context"; content: string }[]): number[] {
  const out = new Array<number>(items.length).fill(0);
  for (const callees of skillCalls(items)) for (const c of callees) out[c]++;
  return out;
}
