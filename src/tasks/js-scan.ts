/**
 * A JavaScript tokenizer just deep enough to find `assert…(…)` calls in a code task's tests and read their
 * arguments: strings, template literals (with nested `${…}`), comments, regular-expression literals (told
 * from division by the token before them), numbers, identifiers and one-character punctuators. The tests come
 * from the user's own task file; anything it cannot read is reported, never guessed.
 */
export type TokenType = "id" | "num" | "str" | "tmpl" | "regex" | "punct";

export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
}

export class ScanError extends Error {}

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.type === "punct") return !")]}".includes(prev.text);
  if (prev.type === "id") return REGEX_AFTER_WORD.has(prev.text);
  return false;
}

const ID_START = /[A-Za-z_$\u0080-\uffff]/;
const ID_PART = /[\w$\u0080-\uffff]/;

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  /** the end of a quoted string starting at `at` */
  const stringEnd = (at: number): number => {
    const q = src[at];
    let j = at + 1;
    while (j < src.length && src[j] !== q) {
      if (src[j] === "\n") throw new ScanError(`unterminated string at offset ${at}`);
      j += src[j] === "\\" ? 2 : 1;
    }
    if (j >= src.length) throw new ScanError(`unterminated string at offset ${at}`);
    return j + 1;
  };
  /** the end of a template literal starting at `at`, skipping over nested `${…}` code */
  const templateEnd = (at: number): number => {
    let j = at + 1;
    while (j < src.length) {
      const c = src[j];
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && src[j + 1] === "{") j = codeEnd(j + 2);
      else j++;
    }
    throw new ScanError(`unterminated template literal at offset ${at}`);
  };
  /** the end (after the closing brace) of code inside `${…}` starting at `at` */
  const codeEnd = (at: number): number => tokenizeFrom(at, true);
  const tokenizeFrom = (from: number, untilBrace: boolean): number => {
    let j = from;
    let depth = 0;
    let prev: Token | undefined;
    while (j < src.length) {
      const c = src[j];
      if (/\s/.test(c)) {
        j++;
        continue;
      }
      if (c === "/" && src[j + 1] === "/") {
        const nl = src.indexOf("\n", j);
        j = nl < 0 ? src.length : nl + 1;
        continue;
      }
      if (c === "/" && src[j + 1] === "*") {
        const close = src.indexOf("*/", j + 2);
        if (close < 0) throw new ScanError(`unterminated comment at offset ${j}`);
        j = close + 2;
        continue;
      }
      let end: number;
      let type: TokenType;
      if (c === '"' || c === "'") [type, end] = ["str", stringEnd(j)];
      else if (c === "`") [type, end] = ["tmpl", templateEnd(j)];
      else if (c === "/" && regexAllowed(prev)) [type, end] = ["regex", regexEnd(src, j)];
      else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[j + 1] ?? ""))) {
        end = j + 1;
        while (end < src.length && /[\w.]/.test(src[end]))
          end += /[eE]/.test(src[end]) && /[+-]/.test(src[end + 1] ?? "") ? 2 : 1;
        type = "num";
      } else if (ID_START.test(c)) {
        end = j + 1;
        while (end < src.length && ID_PART.test(src[end])) end++;
        type = "id";
      } else {
        if (untilBrace && c === "}" && depth === 0) return j + 1;
        if ("({[".includes(c)) depth++;
        if (")}]".includes(c)) depth--;
        [type, end] = ["punct", j + 1];
      }
      prev = { type, text: src.slice(j, end), start: j, end };
      if (!untilBrace) tokens.push(prev);
      j = end;
    }
    if (untilBrace) throw new ScanError(`unterminated \${…} in a template literal at offset ${from}`);
    return j;
  };
  tokenizeFrom(0, false);
  return tokens;
}

function regexEnd(src: string, at: number): number {
  let j = at + 1;
  let inClass = false;
  while (j < src.length) {
    const c = src[j];
    if (c === "\n") break;
    if (c === "\\") j += 2;
    else {
      if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) {
        j++;
        while (j < src.length && /[a-z]/i.test(src[j])) j++;
        return j;
      }
      j++;
    }
  }
  throw new ScanError(`unterminated regular expression at offset ${at}`);
}

/** Index of the token closing the bracket opened at `open`. */
export function matchingClose(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type !== "punct") continue;
    if ("([{".includes(t.text)) depth++;
    else if (")]}".includes(t.text) && --depth === 0) return k;
  }
  throw new ScanError(`unbalanced '${tokens[open].text}' at offset ${tokens[open].start}`);
}

/** Splits tokens[from, to) at top-level commas; a trailing comma adds no empty part. */
export function splitArgs(tokens: Token[], from: number, to: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let k = from; k < to; k++) {
    const t = tokens[k];
    if (t.type !== "punct") continue;
    if ("([{".includes(t.text)) depth++;
    else if (")]}".includes(t.text)) depth--;
    else if (t.text === "," && depth === 0) {
      parts.push([start, k]);
      start = k + 1;
    }
  }
  if (start < to) parts.push([start, to]);
  return parts;
}
