/**
 * The reference server's prefix cache finds the remembered prompt sharing the longest prefix among the new
 * prompt's neighbours in key order; it must report what the plain definition does (compare with every
 * remembered prompt character by character, take the longest shared prefix, the least recently used among
 * equals, and tokenize it) on prompt streams full of shared prefixes, ties and evictions.
 */
import { describe, expect, it } from "vitest";
import {
  MESSAGE_OVERHEAD_TOKENS,
  PrefixCache,
  sharedPrefixTokens,
  type PromptMessage,
} from "../../src/executors/prefix-cache.js";
import { countTokens } from "../../src/text/tokens.js";
import { Rng } from "../../src/util/rng.js";

/** The definition: every remembered prompt compared character by character. */
class PlainCache {
  private readonly seen: PromptMessage[][] = [];
  constructor(
    private readonly entries: number,
    private readonly block = 16,
  ) {}
  lookup(messages: readonly PromptMessage[]): number {
    let best: [number, number] = [0, 0];
    let bestAt = -1;
    this.seen.forEach((prev, i) => {
      const d = divergence(prev, messages);
      if (d[0] > best[0] || (d[0] === best[0] && d[1] > best[1])) [best, bestAt] = [d, i];
    });
    let n = 0;
    if (bestAt >= 0) {
      for (let i = 0; i < best[0]; i++) n += countTokens(messages[i].content) + MESSAGE_OVERHEAD_TOKENS;
      if (best[0] < messages.length) n += Math.max(0, countTokens(messages[best[0]].content.slice(0, best[1])) - 1);
    }
    if (n > 0) this.seen.push(this.seen.splice(bestAt, 1)[0]);
    this.seen.push(messages.map((m) => ({ ...m })));
    while (this.seen.length > this.entries) this.seen.shift();
    return Math.floor(n / this.block) * this.block;
  }
}

/** Whole messages shared, then characters shared of the next one. */
function divergence(a: readonly PromptMessage[], b: readonly PromptMessage[]): [number, number] {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].role !== b[i].role) return [i, 0];
    if (a[i].content === b[i].content) continue;
    let j = 0;
    while (j < a[i].content.length && a[i].content.charCodeAt(j) === b[i].content.charCodeAt(j)) j++;
    return [i, j];
  }
  return [Math.min(a.length, b.length), 0];
}

const PIECES = [
  "You are an expert problem solver.",
  '<memory_item id="a">\nCheck the input twice, then apply step 3 of the procedure.\n</memory_item>\n',
  '<memory_item id="b">\nGeneric advice: be careful and thorough in everything you do.\n</memory_item>\n',
  '<memory_item id="c">\nShort: carry the digits.\n</memory_item>\n',
  "TASK:\nTicket 12: compute the code for 4711.",
  "TASK:\nTicket 13: compute the code for 815.",
  " ",
  "\n\n",
];

function prompt(rng: Rng): PromptMessage[] {
  const system = rng.int(3) === 0 ? "You maintain a memory." : PIECES[0];
  const parts = Array.from({ length: 1 + rng.int(4) }, () => PIECES[1 + rng.int(PIECES.length - 1)]);
  const messages = [
    { role: "system", content: system },
    { role: "user", content: parts.join("") },
  ];
  return rng.int(5) === 0 ? messages.slice(0, 1 + rng.int(2)) : messages;
}

describe("reference server prefix cache", () => {
  it("reports the plain definition's cached tokens, lookup after lookup", () => {
    for (const [seed, entries, block] of [
      [1, 256, 16],
      [2, 5, 16],
      [3, 3, 1],
      [4, 8, 4],
    ]) {
      const rng = new Rng([seed]);
      const fast = new PrefixCache({ entries, blockTokens: block });
      const plain = new PlainCache(entries, block);
      const got: number[] = [];
      const want: number[] = [];
      for (let k = 0; k < 400; k++) {
        const p = prompt(rng);
        got.push(fast.lookup(p));
        want.push(plain.lookup(p));
      }
      expect(got, `seed ${seed}`).toEqual(want);
      expect(got.some((n) => n > 0)).toBe(true);
    }
  });

  it("sharedPrefixTokens against a list of prompts is what a cache holding just those prompts reports", () => {
    const rng = new Rng([9]);
    const history: PromptMessage[][] = [];
    const got: number[] = [];
    const want: number[] = [];
    for (let k = 0; k < 300; k++) {
      const p = prompt(rng);
      const plain = new PlainCache(history.length + 1);
      for (const h of history) plain.lookup(h);
      want.push(plain.lookup(p));
      got.push(sharedPrefixTokens(history, p));
      history.push(p);
      if (history.length > 8) history.shift();
    }
    expect(got).toEqual(want);
    expect(got.some((n) => n > 0)).toBe(true);
  });

  it("caches nothing with entries 0", () => {
    const c = new PrefixCache({ entries: 0 });
    const p = [{ role: "user", content: PIECES[1].repeat(20) }];
    expect([c.lookup(p), c.lookup(p)]).toEqual([0, 0]);
  });
});
