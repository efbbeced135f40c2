/**
 * Token counts with a real BPE tokenizer: gpt-tokenizer's default encoding, o200k_base (GPT-4o family).
 * Counts differ a little between tokenizers; reports say which encoding was used.
 *
 * BPE's time grows with the square of a pre-token's length, and a pre-token is a run of one character class
 * (letters, punctuation/symbols, whitespace): a 320k-character run of `=` took 68 s, 16k characters of
 * Chinese (no spaces) 10 s. So runs longer than MAX_RUN characters are counted in MAX_RUN-character pieces,
 * which keeps counting linear in the input. Text without such a run (almost all text in a space-separated
 * script) is counted whole, exactly as before; for a long run the count can differ by about one token per
 * piece (BPE cannot merge across a cut).
 */
import { countTokens as bpeCount } from "gpt-tokenizer";

export const TOKEN_ENCODING = "o200k_base";

/** Longest run of one character class that BPE sees whole. */
export const MAX_RUN = 256;

const LONG_RUN = new RegExp(
  `[\\p{L}\\p{M}]{${MAX_RUN + 1},}|[^\\s\\p{L}\\p{M}\\p{N}]{${MAX_RUN + 1},}|\\s{${MAX_RUN + 1},}`,
  "gu",
);

/** Exactly the characters of JavaScript's `\s`. */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether `text` has more than MAX_RUN spaces or non-spaces in a row: a cheap test before LONG_RUN (slow). */
function mayHaveLongRun(text: string): boolean {
  let run = 0;
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const s = isSpace(text.charCodeAt(i));
    run = s === space ? run + 1 : 1;
    space = s;
    if (run > MAX_RUN) return true;
  }
  return false;
}

export function countTokens(text: string): number {
  if (text.length <= MAX_RUN || !mayHaveLongRun(text)) return text.length === 0 ? 0 : bpeCount(text);
  LONG_RUN.lastIndex = 0;
  let m = LONG_RUN.exec(text);
  if (m === null) return bpeCount(text);
  let total = 0;
  let from = 0;
  while (m !== null) {
    if (m.index > from) total += bpeCount(text.slice(from, m.index));
    const end = m.index + m[0].length;
    for (let at = m.index; at < end;) {
      let cut = Math.min(end, at + MAX_RUN);
      // Never split a surrogate pair.
      if (cut < end && (text.charCodeAt(cut) & 0xfc00) === 0xdc00) cut++;
      total += bpeCount(text.slice(at, cut));
      at = cut;
    }
    from = end;
    m = LONG_RUN.exec(text);
  }
  if (from < text.length) total += bpeCount(text.slice(from));
  return total;
}

/** The longest prefix of `text` with at most `max` tokens (a binary search over its length). */
export function tokenPrefix(text: string, max: number): string {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(text.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}
