/**
 * A lenient reader for the literal data agents leave behind: JSON, Python reprs (`{'a': True, 'b': None}`,
 * tuples, sets, `b'..'`/`r'..'` strings, `nan`/`inf`), and both of those cut off or corrupted part-way.
 *
 * On damage it salvages: every container returns the entries completed before the damage and drops the one
 * it was in the middle of, so a truncated `{"a": 1, "b": 2, "c": 3` yields `{a: 1, b: 2}` with
 * `complete: false`. Nesting is capped, so hostile input cannot overflow the stack. Never throws.
 */
export interface LiteralResult {
  value: unknown;
  /** false when the text was damaged (truncated, bad bytes, trailing junk) and `value` is what was salvaged */
  complete: boolean;
  /** what went wrong and at which character offset, when `complete` is false */
  error?: string;
  errorOffset?: number;
}

const MAX_DEPTH = 256;

class Damage extends Error {
  constructor(
    message: string,
    readonly offset: number,
    public partial: unknown = undefined,
  ) {
    super(message);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) this.pos++;
      else break;
    }
  }

  fail(message: string): never {
    throw new Damage(this.pos >= this.s.length ? "unexpected end of text" : message, this.pos);
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) this.fail("unexpected end of text");
    if (c === "{") return this.braces(depth);
    if (c === "[") return this.sequence("]", depth);
    if (c === "(") return this.sequence(")", depth);
    if (c === '"' || c === "'") return this.string();
    if (c === "<") return this.angle();
    if (c === "-" || c === "+" || c === "." || (c >= "0" && c <= "9")) return this.number();
    return this.word(depth);
  }

  private braces(depth: number): unknown {
    this.pos++;
    const obj: Record<string, unknown> = {};
    let set: unknown[] | null = null;
    try {
      for (;;) {
        this.ws();
        if (this.s[this.pos] === "}") {
          this.pos++;
          return set ?? obj;
        }
        const key = this.value(depth + 1);
        this.ws();
        if (set === null && this.s[this.pos] === ":") {
          this.pos++;
          const v = this.value(depth + 1);
          obj[typeof key === "string" ? key : (JSON.stringify(key) ?? String(key))] = v;
        } else if (set !== null || Object.keys(obj).length === 0) {
          (set ??= []).push(key); // a Python set literal
        } else this.fail("expected ':' after an object key");
        this.ws();
        if (this.s[this.pos] === ",") this.pos++;
        else if (this.s[this.pos] !== "}") this.fail("expected ',' or '}'");
      }
    } catch (e) {
      throw rethrow(e, set ?? obj);
    }
  }

  private sequence(close: "]" | ")", depth: number): unknown[] {
    this.pos++;
    const arr: unknown[] = [];
    try {
      for (;;) {
        this.ws();
        if (this.s[this.pos] === close) {
          this.pos++;
          return arr;
        }
        arr.push(this.value(depth + 1));
        this.ws();
        if (this.s[this.pos] === ",") this.pos++;
        else if (this.s[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
      }
    } catch (e) {
      throw rethrow(e, arr);
    }
  }

  string(raw = false): string {
    const s = this.s;
    const q = s[this.pos];
    const triple = s.startsWith(q.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    let out = "";
    let run = this.pos;
    for (;;) {
      if (this.pos >= s.length) this.fail("unterminated string");
      const c = s[this.pos];
      if (c === q && (!triple || s.startsWith(q.repeat(3), this.pos))) {
        out += s.slice(run, this.pos);
        this.pos += triple ? 3 : 1;
        return out;
      }
      if (c === "\\" && !raw) {
        out += s.slice(run, this.pos) + this.escape();
        run = this.pos;
        continue;
      }
      if (c === "\n" && !triple && q === "'") this.fail("line break inside a quoted string");
      this.pos++;
    }
  }

  private escape(): string {
    const s = this.s;
    const e = s[this.pos + 1];
    this.pos += 2;
    const hex = (n: number): string => {
      const h = s.slice(this.pos, this.pos + n);
      if (h.length < n || !/^[0-9a-fA-F]+$/.test(h)) this.fail("bad escape sequence");
      this.pos += n;
      const cp = parseInt(h, 16);
      return cp > 0x10ffff ? "\ufffd" : String.fromCodePoint(cp);
    };
    switch (e) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "0":
        return "\0";
      case "u":
        return hex(4);
      case "x":
        return hex(2);
      case "U":
        return hex(8);
      case "\n":
        return "";
      case undefined:
        return this.fail("unterminated string");
      default:
        return e; // \\ \" \' \/ and anything unknown: keep the character
    }
  }

  private angle(): string {
    const end = this.s.indexOf(">", this.pos);
    if (end < 0) this.fail("unterminated <...> repr");
    const text = this.s.slice(this.pos, end + 1);
    this.pos = end + 1;
    return text;
  }

  private number(): number {
    const m = /^[-+]?(?:inf(?:inity)?|nan|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/i.exec(
      this.s.slice(this.pos, this.pos + 64),
    );
    if (!m) this.fail("bad number");
    this.pos += m[0].length;
    const t = m[0].toLowerCase().replace(/_/g, "");
    if (t.includes("nan")) return NaN;
    if (t.includes("inf")) return t.startsWith("-") ? -Infinity : Infinity;
    const n = Number(t);
    if (Number.isNaN(n)) this.fail("bad number");
    return n;
  }

  private word(depth: number): unknown {
    const m = /^[A-Za-z_][\w.]*/.exec(this.s.slice(this.pos, this.pos + 128));
    if (!m) this.fail(`unexpected character '${this.s[this.pos]}'`);
    const w = m[0];
    const next = this.s[this.pos + w.length];
    if ((next === "'" || next === '"') && /^[rRbBuUfF]{1,2}$/.test(w)) {
      this.pos += w.length;
      return this.string(/r/i.test(w));
    }
    this.pos += w.length;
    switch (w) {
      case "true":
      case "True":
        return true;
      case "false":
      case "False":
        return false;
      case "null":
      case "None":
      case "undefined":
        return null;
      case "NaN":
      case "nan":
        return NaN;
      case "Infinity":
      case "inf":
        return Infinity;
    }
    if (next === "(") {
      // a constructor call such as datetime.datetime(2024, 1, 1): keep its source text
      const start = this.pos - w.length;
      this.sequence(")", depth);
      return this.s.slice(start, this.pos);
    }
    return w;
  }
}

function rethrow(e: unknown, partial: unknown): Damage {
  if (e instanceof Damage) return new Damage(e.message, e.offset, partial);
  return new Damage(e instanceof Error ? e.message : String(e), -1, partial);
}

/** Parses JSON first (fast path), then falls back to the lenient reader. */
export function parseLiteral(text: string): LiteralResult {
  try {
    return { value: JSON.parse(text), complete: true };
  } catch {
    // fall through to the lenient reader
  }
  const r = new Reader(text);
  try {
    const value = r.value(0);
    r.ws();
    if (r.pos < text.length)
      return { value, complete: false, error: "unexpected text after the value", errorOffset: r.pos };
    return { value, complete: true };
  } catch (e) {
    if (e instanceof Damage) return { value: e.partial, complete: false, error: e.message, errorOffset: e.offset };
    return { value: undefined, complete: false, error: String(e), errorOffset: -1 };
  }
}

/** Parses a value that may be a Python-repr / JSON string (e.g. tau-bench's `info.task`); non-strings pass through. */
export function maybeLiteral(v: unknown): LiteralResult {
  if (typeof v !== "string") return { value: v, complete: true };
  const t = v.trim();
  if (!/^[[{(]/.test(t)) return { value: v, complete: true };
  return parseLiteral(t);
}
