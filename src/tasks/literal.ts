import { ScanError, type Token } from "./js-scan.js";
import type { Value } from "./values.js";

/**
 * Reads an expected value written as a JavaScript literal in a test (`3`, `"abc"`, `[1, [2]]`, `{a: 1}`,
 * `-0`, `NaN`, `undefined`, `12n`, `/re/i`, `new Set([…])`, `new Map([[k, v]])`, `new Date("…")`) into a
 * Value, without running any code. Expected values stay in this process: they never enter the sandbox.
 */
export function parseLiteral(tokens: Token[]): Value {
  const p = new LiteralParser(tokens);
  const v = p.value();
  if (!p.done()) throw new ScanError(`unexpected '${p.peek()!.text}' after the value`);
  return v;
}

const WORDS: Record<string, Value> = {
  true: true,
  false: false,
  null: null,
  undefined: { $: "undefined" },
  NaN: { $: "num", v: "NaN" },
  Infinity: { $: "num", v: "Infinity" },
};

class LiteralParser {
  private k = 0;
  constructor(private readonly t: Token[]) {}

  done(): boolean {
    return this.k >= this.t.length;
  }
  peek(): Token | undefined {
    return this.t[this.k];
  }
  private next(): Token {
    const tok = this.t[this.k++];
    if (!tok) throw new ScanError("the value ends too early");
    return tok;
  }
  private expect(text: string): void {
    const tok = this.next();
    if (tok.text !== text) throw new ScanError(`expected '${text}', found '${tok.text}'`);
  }
  private at(text: string): boolean {
    return this.peek()?.text === text;
  }

  value(): Value {
    const tok = this.next();
    if (tok.type === "punct" && (tok.text === "-" || tok.text === "+")) return this.signed(tok.text === "-");
    if (tok.type === "num") return numberValue(tok.text, false);
    if (tok.type === "str") return decodeString(tok.text.slice(1, -1));
    if (tok.type === "tmpl") {
      if (/(^|[^\\])\$\{/.test(tok.text)) throw new ScanError("a template literal with ${…} is not a literal");
      return decodeString(tok.text.slice(1, -1));
    }
    if (tok.type === "regex") return regexValue(tok.text);
    if (tok.type === "id" && Object.prototype.hasOwnProperty.call(WORDS, tok.text)) return WORDS[tok.text];
    if (tok.type === "id" && tok.text === "new") return this.constructed();
    if (tok.text === "[") return this.array();
    if (tok.text === "{") return this.object();
    throw new ScanError(`'${tok.text}' is not a literal`);
  }

  private signed(negative: boolean): Value {
    const tok = this.next();
    if (tok.type === "id" && tok.text === "Infinity")
      return negative ? { $: "num", v: "-Infinity" } : { $: "num", v: "Infinity" };
    if (tok.type !== "num") throw new ScanError(`'${negative ? "-" : "+"}' must be followed by a number`);
    return numberValue(tok.text, negative);
  }

  private list(close: string): Value[] {
    const out: Value[] = [];
    while (!this.at(close)) {
      if (this.at(",")) throw new ScanError("holes in array literals are not supported");
      out.push(this.value());
      if (!this.at(close)) this.expect(",");
    }
    this.expect(close);
    return out;
  }

  private array(): Value {
    return this.list("]");
  }

  private object(): Value {
    const entries = new Map<string, Value>();
    while (!this.at("}")) {
      const key = this.next();
      let name: string;
      if (key.type === "id") name = key.text;
      else if (key.type === "str") name = decodeString(key.text.slice(1, -1)) as string;
      else if (key.type === "num") name = String(numberValue(key.text, false));
      else throw new ScanError(`'${key.text}' is not an object key`);
      this.expect(":");
      entries.set(name, this.value());
      if (!this.at("}")) this.expect(",");
    }
    this.expect("}");
    return { $: "object", proto: "Object", v: [...entries] };
  }

  private constructed(): Value {
    const ctor = this.next();
    this.expect("(");
    if (ctor.text === "Set" || ctor.text === "Map") {
      let items: Value[] = [];
      if (!this.at(")")) {
        this.expect("[");
        items = this.list("]");
      }
      this.expect(")");
      if (ctor.text === "Set") return { $: "set", v: items };
      if (!items.every((e): e is [Value, Value] => Array.isArray(e) && e.length === 2))
        throw new ScanError("new Map([...]) needs [key, value] pairs");
      return { $: "map", v: items };
    }
    if (ctor.text === "Date") {
      const arg = this.value();
      this.expect(")");
      const d = new Date(typeof arg === "number" || typeof arg === "string" ? arg : NaN);
      return { $: "date", v: Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString() };
    }
    throw new ScanError(`new ${ctor.text}(…) is not a literal (Set, Map and Date are)`);
  }
}

function numberValue(text: string, negative: boolean): Value {
  const clean = text.replace(/_/g, "");
  if (clean.endsWith("n")) {
    const b = BigInt(clean.slice(0, -1));
    return { $: "bigint", v: String(negative ? -b : b) };
  }
  const n = Number(clean);
  if (Number.isNaN(n)) throw new ScanError(`'${text}' is not a number`);
  const x = negative ? -n : n;
  if (Object.is(x, -0)) return { $: "num", v: "-0" };
  if (!Number.isFinite(x)) return { $: "num", v: x > 0 ? "Infinity" : "-Infinity" };
  return x;
}

export function regexValue(text: string): Value {
  const close = text.lastIndexOf("/");
  const source = text.slice(1, close);
  const flags = text.slice(close + 1);
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new ScanError(`invalid regular expression ${text}: ${(e as Error).message}`);
  }
  return { $: "regexp", source, flags };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", 0: "\0" };

function decodeString(body: string): Value {
  return body.replace(
    /\\(u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|\r\n|[\s\S])/g,
    (_m, all: string, cp?: string, u4?: string, x2?: string) => {
      const hex = cp ?? u4 ?? x2;
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      if (all === "\n" || all === "\r\n" || all === "\r") return "";
      return SIMPLE_ESCAPES[all] ?? all;
    },
  );
}
