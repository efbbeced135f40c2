/**
 * A small arithmetic parser for answer checking: numbers, + − × ÷ (also * / x ÷ ×), parentheses and unary
 * minus. It never evaluates code (no `eval`, no `Function`); anything else in the text is a parse failure.
 */

export interface ParsedExpression {
  value: number;
  /** the number literals in the order written */
  numbers: number[];
}

type Token = { kind: "num"; value: number } | { kind: "op"; op: "+" | "-" | "*" | "/" } | { kind: "(" } | { kind: ")" };

const OPS: Record<string, "+" | "-" | "*" | "/"> = {
  "+": "+",
  "-": "-",
  "−": "-",
  "–": "-",
  "*": "*",
  "×": "*",
  "·": "*",
  x: "*",
  X: "*",
  "/": "/",
  "÷": "/",
};

function tokenize(text: string): Token[] | null {
  const s = text
    .replace(/\\times/g, "×")
    .replace(/\\div/g, "÷")
    .replace(/\\cdot/g, "·")
    .replace(/\\left|\\right/g, "")
    .replace(/[{[]/g, "(")
    .replace(/[}\]]/g, ")");
  const out: Token[] = [];
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^\d+(?:\.\d+)?/.exec(s.slice(i));
    if (num) {
      out.push({ kind: "num", value: Number(num[0]) });
      i += num[0].length;
    } else if (c === "(" || c === ")") {
      out.push({ kind: c });
      i++;
    } else if (OPS[c]) {
      out.push({ kind: "op", op: OPS[c] });
      i++;
    } else return null;
  }
  return out;
}

/** Parses and evaluates an arithmetic expression; null when the text is not one. */
export function parseExpression(text: string): ParsedExpression | null {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return null;
  const numbers: number[] = [];
  let pos = 0;
  const peek = () => tokens[pos];
  // expr := term (('+'|'-') term)* ; term := unary (('*'|'/') unary)* ; unary := '-' unary | atom ; atom := num | '(' expr ')'
  const opIs = (ops: string): boolean => {
    const t = peek();
    return t?.kind === "op" && ops.includes((t as { op: string }).op);
  };
  // One precedence level: operand ((op) operand)*, left-associative.
  const level =
    (operand: () => number | null, ops: string, apply: (op: string, a: number, b: number) => number) =>
    (): number | null => {
      let v = operand();
      while (v !== null && opIs(ops)) {
        const op = (tokens[pos++] as { op: string }).op;
        const r = operand();
        if (r === null) return null;
        v = apply(op, v, r);
      }
      return v;
    };
  const term: () => number | null = level(
    () => unary(),
    "*/",
    (op, a, b) => (op === "*" ? a * b : a / b),
  );
  const expr: () => number | null = level(term, "+-", (op, a, b) => (op === "+" ? a + b : a - b));
  const unary = (): number | null => {
    const t = peek();
    if (t?.kind === "op" && t.op === "-") {
      pos++;
      const v = unary();
      return v === null ? null : -v;
    }
    return atom();
  };
  const atom = (): number | null => {
    const t = tokens[pos++];
    if (!t) return null;
    if (t.kind === "num") {
      numbers.push(t.value);
      return t.value;
    }
    if (t.kind === "(") {
      const v = expr();
      if (v === null || tokens[pos++]?.kind !== ")") return null;
      return v;
    }
    return null;
  };
  const value = expr();
  if (value === null || pos !== tokens.length || !Number.isFinite(value)) return null;
  return { value, numbers };
}

/** Equal up to floating-point rounding of exact rational arithmetic (8 / (3 − 8/3) = 24). */
export const closeTo = (a: number, b: number): boolean =>
  Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
