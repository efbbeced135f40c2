import { countTokens as wholeBpe } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { countTokens, MAX_RUN } from "../../src/text/tokens.js";
import { Rng } from "../../src/util/rng.js";

describe("countTokens", () => {
  it("counts a long run of one character in linear time (320k '=' took 68 s)", () => {
    const t0 = performance.now();
    const n = countTokens("=".repeat(320_000));
    // Quadratic BPE needs ~20 s for even 64k characters here; linear counting takes milliseconds.
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(n).toBe(5000);
    expect(countTokens(`see ${"漢".repeat(100_000)} end`)).toBeGreaterThan(90_000);
  });

  it("counts text without long runs exactly as the tokenizer does", () => {
    const rng = new Rng(1);
    const words = [
      "the",
      "Skill",
      "retries",
      "x=1;",
      "éclair",
      "函数",
      "\n",
      "  ",
      "https://example.com/a?b=c",
      "0.25",
      "`code`",
    ];
    for (let t = 0; t < 50; t++) {
      const text = Array.from({ length: 20 + rng.int(400) }, () => words[rng.int(words.length)]).join(
        rng.next() < 0.5 ? " " : "",
      );
      if (/(\S{257}|\s{257})/u.test(text)) continue;
      expect(countTokens(text)).toBe(wholeBpe(text));
    }
    expect(countTokens("")).toBe(0);
  });

  it("stays within about one token per cut piece of the whole count for long runs", () => {
    const rng = new Rng(2);
    const draw = (alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[rng.int(alphabet.length)]).join("");
    for (const alphabet of [
      "abcdefghijklmnopqrstuvwxyz",
      "=-+*/<>!?.,;:()[]{}#",
      " \n\t",
      "的一是不了人我在有他这中大来上国个到说们",
    ]) {
      const text = `start ${draw(alphabet, 3000)} end`;
      const pieces = Math.ceil(3000 / MAX_RUN);
      expect(Math.abs(countTokens(text) - wholeBpe(text))).toBeLessThanOrEqual(pieces);
    }
    // A surrogate pair is never cut in half.
    expect(countTokens("😀".repeat(1000))).toBe(wholeBpe("😀".repeat(1000)));
  });
});
