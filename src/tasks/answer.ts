/**
 * Answer extraction and matching, following Dynamic Cheatsheet's rules (dynamic_cheatsheet/utils/extractor.py
 * and evaluation.py, MIT): the final answer is the last <answer>…</answer> block, else what follows
 * "FINAL ANSWER"; AIME-style answers match after lower-casing and removing , ; : . " and newlines;
 * multiple-choice answers match by option letter or by the option's text. One deliberate leniency: a reply
 * with neither marker is taken whole (small models often answer bare), where Dynamic Cheatsheet scores it 0.
 */
import { closeTo, parseExpression } from "./expression.js";

export const NO_ANSWER = "No final answer found";

export function extractFinalAnswer(response: string): string {
  const open = response.lastIndexOf("<answer>");
  if (open >= 0) {
    const rest = response.slice(open + "<answer>".length);
    const close = rest.indexOf("</answer>");
    return (close >= 0 ? rest.slice(0, close) : rest).trim();
  }
  const fa = response.lastIndexOf("FINAL ANSWER");
  if (fa >= 0) {
    let rest = response.slice(fa + "FINAL ANSWER".length).trim();
    if (rest.startsWith(":")) rest = rest.slice(1).trim();
    const fence = /(```|''')(?:[a-zA-Z]*\n)?([\s\S]*?)\1/.exec(rest);
    if (fence) return fence[2].trim();
    const line = rest.split("\n").find((l) => l.trim() !== "");
    return line ? line.trim() : NO_ANSWER;
  }
  const whole = response.trim();
  return whole === "" ? NO_ANSWER : whole;
}

/** Dynamic Cheatsheet's "exact matching with no punctuation", applied to lower-cased output and target. */
export function normaliseExact(s: string): string {
  return s
    .toLowerCase()
    .replace(/[,;:."]/g, "")
    .replace(/\n/g, " ")
    .trim()
    .replace(/\s+/g, " ");
}

export function matchExact(extracted: string, target: string): boolean {
  return normaliseExact(extracted) === normaliseExact(target);
}

function optionText(question: string, letter: string): string {
  const lower = question.toLowerCase();
  const at = Math.max(lower.indexOf("options:"), lower.indexOf("choices:"));
  const section = at >= 0 ? lower.slice(at + 8) : lower;
  for (const raw of section.split("\n")) {
    const line = raw.trim();
    if (line.startsWith(`(${letter})`) || line.startsWith(`${letter})`))
      return line.slice(line.indexOf(")") + 1).trim();
    if (line.startsWith(`${letter}.`)) return line.slice(2).trim();
  }
  return "";
}

/** Multiple-choice matching in the manner of Dynamic Cheatsheet's eval_for_multiple_choice. */
export function matchChoice(question: string, extracted: string, target: string): boolean {
  if (!extracted || !target) return false;
  if (extracted.trim() === target.trim()) return true;
  const clean = (t: string) => t.toLowerCase().trim().replace(/[`()]/g, "");
  const ans = clean(extracted);
  const tgt = clean(target);
  const letter = tgt.length === 1 ? tgt : /[a-z]$/.test(tgt) ? tgt.slice(-1) : "";
  if (!letter) return false;
  if (ans === letter || ans === `${letter}.`) return true;
  if (ans.endsWith(` ${letter}`) || ans.endsWith(` ${letter}.`)) return true;
  const text = optionText(question, letter);
  return text !== "" && ans.includes(text);
}

/** AIME-style integer answers: \boxed{…}, $…$, thousands separators, leading zeros and a trailing period ignored. */
export function normaliseNumber(s: string): number | null {
  let t = s.trim();
  const boxed = /\\boxed\{([^}]*)\}/.exec(t);
  if (boxed) t = boxed[1];
  t = t
    .replace(/\$/g, "")
    .replace(/\\[,!]/g, "")
    .replace(/,(?=\d{3}\b)/g, "")
    .replace(/\.$/, "")
    .trim();
  if (!/^[-+]?\d+(?:\.\d+)?$/.test(t)) return null;
  return Number(t);
}

export function matchNumeric(extracted: string, target: string): boolean {
  const a = normaliseNumber(extracted);
  const t = normaliseNumber(target);
  return t === null ? matchExact(extracted, target) : a !== null && a === t;
}

/** The option letter an answer picks: "(B)", "B", "B.", "(B) 16.9%", "B) text"; null when it names none. */
export function choiceLetter(s: string): string | null {
  const t = s.trim();
  const m = /^\(([A-Ja-j])\)/.exec(t) ?? /^([A-J])(?:[).:]|\s|$)/.exec(t);
  return m ? m[1].toUpperCase() : null;
}

/** The integers a Game of 24 question gives (the input is "Let's play … Input: 4 4 6 8" or just "4 4 6 8"). */
export function game24Numbers(question: string): number[] {
  const at = question.lastIndexOf("Input:");
  const tail = at >= 0 ? question.slice(at + "Input:".length) : question;
  return [...tail.matchAll(/\d+/g)].map((m) => Number(m[0]));
}

const sortedEq = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && [...a].sort((x, y) => x - y).every((x, i) => x === [...b].sort((p, q) => p - q)[i]);

/** Game of 24: any expression that uses each given number exactly once and evaluates to 24. */
export function matchGame24(question: string, extracted: string): boolean {
  const lhs = extracted.split("=")[0];
  const e = parseExpression(lhs);
  return e !== null && closeTo(e.value, 24) && sortedEq(e.numbers, game24Numbers(question));
}

/**
 * Equation tasks (fill in the operators): any true equation whose numbers, in order, are the target's. The
 * target is one solution; another choice of operators that also holds is correct.
 */
export function matchEquation(extracted: string, target: string): boolean {
  const sides = extracted.split("=");
  const want = target.split("=");
  if (sides.length !== 2 || want.length !== 2) return matchExact(extracted, target);
  const [l, r] = sides.map(parseExpression);
  const [tl, tr] = want.map(parseExpression);
  if (!l || !r) return false;
  if (!tl || !tr) return matchExact(extracted, target);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return closeTo(l.value, r.value) && same([...l.numbers, ...r.numbers], [...tl.numbers, ...tr.numbers]);
}

/** How an answer task is checked; each task source declares one (see checkerForSource). */
export const ANSWER_CHECKERS = {
  exact: {
    describe: 'normalised exact match (lower case; , ; : . " and newlines removed)',
    match: (_q: string, a: string, t: string) => matchExact(a, t),
  },
  numeric: {
    describe: "numbers compared as numbers (\\boxed{}, $, separators, leading zeros ignored), e.g. AIME",
    match: (_q: string, a: string, t: string) => matchNumeric(a, t),
  },
  choice: {
    describe:
      'multiple choice: the option letter the answer starts with ("(B) 16.9%" picks B), else the option\'s text',
    match: (q: string, a: string, t: string) => {
      const want = choiceLetter(t);
      const got = choiceLetter(a);
      return want !== null && got !== null ? want === got : matchChoice(q, a, t);
    },
  },
  game24: {
    describe: "Game of 24: any expression using each given number once that evaluates to 24 (parsed, never eval'd)",
    match: (q: string, a: string) => matchGame24(q, a),
  },
  equation: {
    describe: "equation tasks: any true equation with the target's numbers in order (parsed, never eval'd)",
    match: (_q: string, a: string, t: string) => matchEquation(a, t),
  },
} satisfies Record<string, { describe: string; match: (question: string, answer: string, target: string) => boolean }>;
export type AnswerCheck = keyof typeof ANSWER_CHECKERS;

/** Which checker a task source uses, from its name (a benchmark folder such as AIME_2024), else from the target's form. */
const SOURCE_CHECKS: [RegExp, AnswerCheck][] = [
  [/game.?of.?24|^24$/i, "game24"],
  [/equation/i, "equation"],
  [/gpqa|mmlu|choice/i, "choice"],
  [/aime|amc|math|gsm/i, "numeric"],
];

export function checkerForSource(source: string, target: string): AnswerCheck {
  for (const [re, check] of SOURCE_CHECKS) if (re.test(source)) return check;
  if (/^\(?[A-J]\)?$/.test(target.trim())) return "choice";
  if (normaliseNumber(target) !== null) return "numeric";
  return "exact";
}

/** The check a target implies: a lone option letter like "(D)" is multiple choice, anything else exact. */
export function checkKindFor(target: string): "exact" | "choice" {
  return /^\([A-Z]\)$/.test(target.trim()) ? "choice" : "exact";
}
