/**
 * Text-level parsing of Dynamic Cheatsheet runs: the memory items of a cheatsheet
 * (`<memory_item><description>…</description><example>…</example>** Count: N **</memory_item>`), the previous
 * solutions a retrieval run puts in context (`#### Previous Input #k (Similarity: s): … #### Model Solution …`),
 * answer matching, and what a run file's name says (dataset, model, approach).
 */
import { basename, dirname } from "node:path";

export interface MemoryEntry {
  text: string;
  /** whitespace- and case-normalised text, for matching an item across cheatsheet versions */
  key: string;
  count: number | null;
  section: string | null;
  unclosed: boolean;
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
const HEADER = /^(?:#{1,6}\s*\S.*|[A-Z][A-Z0-9 ,&()\-:/]{6,})$/;

function lastHeader(text: string): string | null {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => HEADER.test(l));
  const h = lines.at(-1);
  return h ? h.replace(/^#+\s*/, "").replace(/:$/, "") : null;
}

/** Memory items of one cheatsheet text, in order. An item without its closing tag ends at the next item. */
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
    const inner = close ? body.slice(0, close.index) : body;
    prevEnd = close ? s.inner + close.index + close[0].length : limit;
    const c = COUNT.exec(inner);
    const clean = inner.replace(COUNT, "").trim();
    if (clean === "") return;
    out.push({ text: clean, key: normKey(clean), count: c ? Number(c[1]) : null, section, unclosed: !close });
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
    const solution = sol ? block.slice(sol.index + sol[0].length).replace(END, "").trim() : "";
    const sim = h[2] !== undefined ? Number(h[2]) : NaN;
    return { rank: Number(h[1]), similarity: Number.isFinite(sim) ? sim : null, input, solution };
  });
}

function normAnswer(a: string): string {
  let s = a.trim();
  const boxed = /\\boxed\{([^}]*)\}/.exec(s);
  if (boxed) s = boxed[1];
  s = s.replace(/\$/g, "").replace(/\.$/, "").trim();
  if (/^\([A-Za-z0-9]\)$/.test(s)) s = s.slice(1, -1);
  return s.replace(/\s+/g, " ").toLowerCase();
}

/** Whether an answer matches the target (numbers compared as numbers); null when either is missing. */
export function answersMatch(answer: unknown, target: unknown): boolean | null {
  if ((typeof answer !== "string" && typeof answer !== "number") || (typeof target !== "string" && typeof target !== "number")) return null;
  const a = normAnswer(String(answer));
  const t = normAnswer(String(target));
  if (t === "") return null;
  const na = Number(a.replace(/,/g, ""));
  const nt = Number(t.replace(/,/g, ""));
  if (a !== "" && Number.isFinite(na) && Number.isFinite(nt)) return na === nt;
  return a === t;
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
  const [dataset, rest] = stem.includes("__") ? [stem.slice(0, stem.indexOf("__")), stem.slice(stem.indexOf("__") + 2)] : [basename(dirname(path)) || "run", stem];
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
