/**
 * Answer extraction and matching, following Dynamic Cheatsheet's rules (dynamic_cheatsheet/utils/extractor.py
 * and evaluation.py, MIT): the final answer is the last <answer>…</answer> block, else what follows
 * "FINAL ANSWER"; AIME-style answers match after lower-casing and removing , ; : . " and newlines;
 * multiple-choice answers match by option letter or by the option's text. One deliberate leniency: a reply
 * with neither marker is taken whole (small models often answer bare), where Dynamic Cheatsheet scores it 0.
 */

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
    if (line.startsWith(`(${letter})`) || line.startsWith(`${letter})`)) return line.slice(line.indexOf(")") + 1).trim();
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

/** The check a target implies: a lone option letter like "(D)" is multiple choice, anything else exact. */
export function checkKindFor(target: string): "exact" | "choice" {
  return /^\([A-Z]\)$/.test(target.trim()) ? "choice" : "exact";
}
