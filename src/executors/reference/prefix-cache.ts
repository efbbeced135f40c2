/**
 * Prompt-prefix accounting of a server with automatic prefix caching (vLLM, SGLang): the cached tokens of a
 * prompt are the longest prefix it shares with a recently seen prompt, in whole blocks of `blockTokens`.
 * Holds the last `entries` prompts; what it reports depends on what it saw before, as a real cache does.
 */
import { countTokens } from "../../text/tokens.js";

export interface PrefixCacheOptions {
  /** prompts remembered (least recently used dropped first); 0 turns caching off */
  entries?: number;
  /** cached tokens are counted in whole blocks of this size (vLLM's default block is 16) */
  blockTokens?: number;
}

export interface PromptMessage {
  role: string;
  content: string;
}

/** Tokens of the chat framing per message, as the client counts them when a server sends no usage. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export function promptTokens(messages: readonly PromptMessage[]): number {
  return messages.reduce((s, m) => s + countTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0);
}

export class PrefixCache {
  private readonly seen: PromptMessage[][] = [];
  private readonly entries: number;
  private readonly block: number;

  constructor(opts: PrefixCacheOptions = {}) {
    this.entries = opts.entries ?? 256;
    this.block = opts.blockTokens ?? 16;
  }

  /** Cached tokens of this prompt given what was seen before; then remembers it. */
  lookup(messages: readonly PromptMessage[]): number {
    if (this.entries === 0) return 0;
    let best = 0;
    let bestAt = -1;
    this.seen.forEach((prev, i) => {
      const n = sharedTokens(prev, messages);
      if (n > best) [best, bestAt] = [n, i];
    });
    // least recently used first: the matched prompt is touched, then this one is remembered
    if (bestAt >= 0) this.seen.push(this.seen.splice(bestAt, 1)[0]);
    this.seen.push(messages.map((m) => ({ ...m })));
    while (this.seen.length > this.entries) this.seen.shift();
    return Math.floor(best / this.block) * this.block;
  }
}

/** Tokens of the longest common prefix of two prompts (whole messages, then the shared start of the first differing one). */
function sharedTokens(a: readonly PromptMessage[], b: readonly PromptMessage[]): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].role !== b[i].role) return n;
    if (a[i].content === b[i].content) {
      n += countTokens(a[i].content) + MESSAGE_OVERHEAD_TOKENS;
      continue;
    }
    const x = a[i].content;
    const y = b[i].content;
    let j = 0;
    while (j < x.length && j < y.length && x.charCodeAt(j) === y.charCodeAt(j)) j++;
    // the last token before the divergence may have been merged with what follows: count it as uncached
    return n + Math.max(0, countTokens(y.slice(0, j)) - 1);
  }
  return n;
}
