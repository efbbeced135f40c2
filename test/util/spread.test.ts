import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatReview } from "../../src/library/review.js";
import type { Decision } from "../../src/runtime/decide.js";
import { maxOf, minOf, pushAll } from "../../src/util/arrays.js";

const SRC = join(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("no spread of unbounded arrays into calls", () => {
  it("reviews 200k decisions (Math.max(...rows) overflowed the stack at 130k)", () => {
    const probs = { keep: 1, compress: 0, rewrite: 0, retire: 0 };
    const decisions: Decision[] = Array.from({ length: 200_000 }, (_, i) => ({
      id: `item-${i}`,
      action: "keep",
      probs,
      allowed: ["keep"],
      reason: "",
    }));
    const text = formatReview(decisions);
    expect(text.split("\n").length).toBe(200_002);
  });

  it("helpers take any length", () => {
    const big = Array.from({ length: 300_000 }, (_, i) => i);
    expect(maxOf(big)).toBe(299_999);
    expect(minOf(big, 5)).toBe(0);
    expect(maxOf([], 4)).toBe(4);
    expect(pushAll([1], big).length).toBe(300_001);
  });

  it("src/ spreads no array into Math.max/min, push, unshift, splice, concat or fromCharCode", () => {
    // A spread as an argument of one of these calls (object / array literal spreads are fine).
    const call =
      /(Math\.(max|min)|\.push|\.unshift|\.splice|\.concat|fromCharCode|fromCodePoint)\((?:[^()[\]{}]|\([^()]*\))*?(?<=[(,]\s*)\.\.\./;
    const offenders: string[] = [];
    for (const f of sourceFiles(SRC)) {
      // Comments blanked (newlines kept, so line numbers hold); calls may span lines.
      const text = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, " "));
      for (const m of text.matchAll(new RegExp(call, "g")))
        offenders.push(`${f.slice(SRC.length + 1)}:${text.slice(0, m.index).split("\n").length}`);
    }
    expect(offenders).toEqual([]);
  });
});
