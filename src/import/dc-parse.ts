/**
 * Text-level parsing of Dynamic Cheatsheet runs: the memory items of a cheatsheet
 * (`<memory_item><description>…</description><example>…</example>** Count: N **</memory_item>`), the previous
 * solutions a retrieval run puts in context (`#### Previous Input #k (Similarity: s): … #### Model Solution …`),
 * elision placeholders, answer checking by the benchmark's checker, and what a run file's name says (dataset, model, approach).
 */
import { basename, dirname } from "node:path";
import { ANSWER_CHECKERS, checkerForSource } from "../tasks/answer.js";
import { ELISION } from "../features/content.js";

export interface MemoryEntry {
  text: string;
  /** whitespace- and case-normalised text, for matching an item across cheatsheet versions */
  key: string;
  /** the item's own `** Count: N **`, inside the item or right after its closing tag */
  count: number | null;
  /** question numbers in the item's `(Reference: Q3, Q7)` list (1-based, as the cheatsheet writes them) */
  refs: number[];
  section: string | null;
  unclosed: boolean;
  /** the item's whole text is an elision placeholder, not content */
  placeholder: boolean;
}

export interface SolutionEntry {
  rank: number;
  similarity: number | null;
  input: string;
  solution: string;
}

export const normKey = (s: string): string => s.replace(/\s+/g, " ").trim().toLowerCase();

const OPEN = /<memory_item>/gi;
const CLOSE = /<\/memory_item>/i;
const COUNT = /\*\*\s*Count:\s*(\d+)\s*(?:\*\*)?/i;
const COUNT_AFTER = /^\s*\*\*\s*Count:\s*(\d+)\s*(?:\*\*)?/i;
const HEADER = /^(?:#{1,6}\s*\S.*|[A-Z][A-Z0-9 ,&()\-:/]{6,})$/;
const REFERENCE = /Reference[s]?\s*:?\s*([^\n)]*)/gi;

export const isElision = (line: string): boolean => ELISION.test(line);

/** The elision placeholder lines of a cheatsheet (outside and inside items). */
export function elisions(text: string): string[] {
  return text
    .split("\n")
    .filter(isElision)
    .map((l) => l.trim());
}

function lastHeader(text: string): string | null {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => HEADER.test(l));
  const h = lines.at(-1);
  return h ? h.replace(/^#+\s*/, "").replace(/:$/, "") : null;
}

/**
 * Where an unclosed item ends: at the next `#` header or elision placeholder line, or at an all-caps section
 * line that follows a blank line once the item's own `</description>` or `</example>` has closed.
 */
function unclosedEnd(body: string): number {
  let at = body.indexOf("\n") + 1;
  if (at <= 0) return body.length;
  let blank = false;
  while (at < body.length) {
    const nl = body.indexOf("\n", at);
    const line = body.slice(at, nl < 0 ? body.length : nl).trim();
    const closedParts = /<\/(description|example)>/i.test(body.slice(0, at));
    if (/^#{1,6}\s*\S/.test(line) || isElision(line) || (blank && closedParts && HEADER.test(line))) return at;
    blank = line === "";
    if (nl < 0) break;
    at = nl + 1;
  }
  return body.length;
}

function refsOf(text: string): number[] {
  const out = new Set<number>();
  for (const m of text.matchAll(REFERENCE)) for (const q of m[1].matchAll(/Q\s*(\d+)/gi)) out.add(Number(q[1]));
  return [...out].sort((a, b) => a - b);
}

/**
 * Memory items of one cheatsheet text, in order. An item without its closing tag ends at the next item, section
 * header or elision placeholder; a count written after `</memory_item>` belongs to the item before it.
 */
export function parseMemoryItems(text: string): MemoryEntry[] {
  const starts: { at: number; inner: number }[] = [];
  for (const m of text.matchAll(OPEN)) starts.push({ at: m.index, inner: m.index + m[0].length });
  const out: MemoryEntry[] = [];
  let prevEnd = 0;
  let section: string | null = null;
  starts.forEach((s, k) => {
    const limit = k + 1 < starts.length ? starts[k + 1].at : text.length;
    const between = text.slice(prevEnd, s.at);
    section = lastHeader(between) ?? section;
    const body = text.slice(s.inner, limit);
    const close = CLOSE.exec(body);
    let inner: string;
    let count: RegExpExecArray | null;
    if (close) {
      inner = body.slice(0, close.index);
      const after = COUNT_AFTER.exec(body.slice(close.index + close[0].length));
      count = COUNT.exec(inner) ?? after;
      prevEnd = s.inner + close.index + close[0].length + (after && !COUNT.exec(inner) ? after[0].length : 0);
    } else {
      const end = unclosedEnd(body);
      inner = body.slice(0, end);
      count = COUNT.exec(inner) ?? COUNT_AFTER.exec(body.slice(end));
      prevEnd = s.inner + end;
    }
    const clean = inner.replace(COUNT, "").trim();
    if (clean === "") return;
    const bare = clean.replace(/<\/?(description|example)>/gi, "").trim();
    out.push({
      text: clean,
      key: normKey(clean),
      count: count ? Number(count[1]) : null,
      refs: refsOf(clean),
      section,
      unclosed: !close,
      placeholder: bare.split("\n").every((l) => l.trim() === "" || isElision(l)),
    });
  });
  return out;
}

const PREV = /#{2,}\s*Previous Input\s*#\s*(\d+)\s*(?:\(\s*Similarity:\s*([-+\d.eE]+)\s*\))?\s*:?/gi;
const SOL = /#{2,}\s*Model Solution to\s*\w*\s*Input\s*#\s*\d+\s*:?/i;
const END = /(?:\n\s*-{3,}\s*)*\s*(?:#{2,}\s*PREVIOUS SOLUTIONS \(END\))?\s*$/i;

/** Previous input/solution pairs a retrieval run put in context, in rank order. */
export function parsePreviousSolutions(text: string): SolutionEntry[] {
  const heads = [...text.matchAll(PREV)];
  return heads.map((h, k) => {
    const block = text.slice(h.index + h[0].length, k + 1 < heads.length ? heads[k + 1].index : text.length);
    const sol = SOL.exec(block);
    const input = (sol ? block.slice(0, sol.index) : block).trim();
    const solution = sol
      ? block
          .slice(sol.index + sol[0].length)
          .replace(END, "")
          .trim()
      : "";
    const sim = h[2] !== undefined ? Number(h[2]) : NaN;
    return { rank: Number(h[1]), similarity: Number.isFinite(sim) ? sim : null, input, solution };
  });
}

/**
 * Whether a run's final answer is correct, by the checker its benchmark declares (numeric for AIME, option
 * letters for GPQA, …); null when the answer or the target is missing.
 */
export function answersMatch(answer: unknown, target: unknown, dataset = "", question = ""): boolean | null {
  const isText = (v: unknown): v is string | number => typeof v === "string" || typeof v === "number";
  if (!isText(answer) || !isText(target) || String(target).trim() === "") return null;
  const t = String(target);
  return ANSWER_CHECKERS[checkerForSource(dataset, t)].match(question, String(answer), t);
}

export type Approach = "cumulative" | "retrieval" | "synthesis" | "none" | "unknown";

export interface RunInfo {
  /** e.g. AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative */
  name: string;
  dataset: string;
  model: string;
  approach: Approach;
  /** the run's approach as named in the file (e.g. EmptyCheatsheet, Baseline) */
  variant: string;
}

/** What a run file's path says: `DATASET/MODEL_APPROACH.jsonl` or `DATASET__MODEL_APPROACH.jsonl`. */
export function runInfo(path: string): RunInfo {
  const stem = basename(path).replace(/\.jsonl?$/i, "");
  const [dataset, rest] = stem.includes("__")
    ? [stem.slice(0, stem.indexOf("__")), stem.slice(stem.indexOf("__") + 2)]
    : [basename(dirname(path)) || "run", stem];
  const cut = rest.indexOf("_");
  const model = cut > 0 ? rest.slice(0, cut) : rest;
  const variant = cut > 0 ? rest.slice(cut + 1) : "";
  const approach: Approach = /empty|baseline/i.test(variant)
    ? "none"
    : /synthesis/i.test(variant)
      ? "synthesis"
      : /retrieval/i.test(variant)
        ? "retrieval"
        : /cumulative/i.test(variant)
          ? "cumulative"
          : "unknown";
  return { name: `${dataset}/${rest}`, dataset, model, approach, variant };
}
