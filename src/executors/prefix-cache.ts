/**
 * Prompt-prefix accounting of a server with automatic prefix caching (vLLM, SGLang): the cached tokens of a
 * prompt are the longest prefix it shares with a recently seen prompt, in whole blocks of `blockTokens`.
 * Holds the last `entries` prompts; what it reports depends on what it saw before, as a real cache does.
 */
import { countTokens } from "../text/tokens.js";

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

/**
 * Tokens of a text, remembered for the last texts seen: a server sees the same system prompt on every request,
 * and the forks of a rollout send the same prompts (and share the same prefixes) over and over.
 */
const memo = new Map<string, number>();
const MEMO_ENTRIES = 2048;
function messageTokens(content: string): number {
  let n = memo.get(content);
  if (n === undefined) {
    n = countTokens(content);
    if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
    memo.set(content, n);
  }
  return n;
}

export function promptTokens(messages: readonly PromptMessage[]): number {
  return messages.reduce((s, m) => s + messageTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0);
}

/** Where two prompts part: whole messages shared, then characters shared of the next message of `b`. */
interface Divergence {
  messages: number;
  chars: number;
}

/** Length of the longest common prefix of two strings (in UTF-16 code units), by native comparisons of halving spans. */
function commonPrefix(x: string, y: string): number {
  let lo = 0;
  let hi = Math.min(x.length, y.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (x.startsWith(y.slice(lo, mid), lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function divergence(a: readonly PromptMessage[], b: readonly PromptMessage[]): Divergence {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].role !== b[i].role) return { messages: i, chars: 0 };
    if (a[i].content === b[i].content) continue;
    return { messages: i, chars: commonPrefix(a[i].content, b[i].content) };
  }
  return { messages: Math.min(a.length, b.length), chars: 0 };
}

/**
 * Tokens of the prefix of `b` up to a divergence: whole messages, then the shared start of the next one (the
 * last token before the divergence may have been merged with what follows: it counts as uncached).
 */
function prefixTokens(b: readonly PromptMessage[], d: Divergence): number {
  let n = 0;
  for (let i = 0; i < d.messages; i++) n += messageTokens(b[i].content) + MESSAGE_OVERHEAD_TOKENS;
  if (d.messages < b.length && d.chars > 0)
    n += Math.max(0, messageTokens(b[d.messages].content.slice(0, d.chars)) - 1);
  return n;
}

/**
 * Cached tokens of `messages` against a list of earlier prompts, all remembered (what a PrefixCache holding just
 * them reports): the longest shared prefix, found by comparing characters, tokenized once, in whole blocks.
 */
export function sharedPrefixTokens(
  earlier: readonly (readonly PromptMessage[])[],
  messages: readonly PromptMessage[],
  blockTokens = 16,
): number {
  let best: Divergence | undefined;
  for (const p of earlier) {
    const d = divergence(p, messages);
    if (!best || d.messages > best.messages || (d.messages === best.messages && d.chars > best.chars)) best = d;
  }
  const shared = best ? prefixTokens(messages, best) : 0;
  return Math.floor(shared / blockTokens) * blockTokens;
}

interface Seen {
  messages: PromptMessage[];
  /** the messages as one string (role, NUL, content, SOH each): the longest shared prefix of two prompts is theirs */
  key: string;
}

const keyOf = (messages: readonly PromptMessage[]) => messages.map((m) => `${m.role}\u0000${m.content}\u0001`).join("");

export class PrefixCache {
  /** least recently used first */
  private readonly seen: Seen[] = [];
  /** the same entries sorted by key: the prompts sharing the longest prefix with a new one are its neighbours */
  private readonly sorted: Seen[] = [];
  private readonly entries: number;
  private readonly block: number;

  constructor(opts: PrefixCacheOptions = {}) {
    this.entries = opts.entries ?? 256;
    this.block = opts.blockTokens ?? 16;
  }

  /**
   * Cached tokens of this prompt given what was seen before; then remembers it. The remembered prompt sharing
   * the longest prefix (the least recently used of equals) is found among the new prompt's neighbours in key
   * order, by comparing characters (a longer shared text is never fewer tokens), and only that prefix is
   * tokenized.
   */
  lookup(messages: readonly PromptMessage[]): number {
    if (this.entries === 0) return 0;
    const key = keyOf(messages);
    const at = this.lowerBound(key);
    const best = this.longestShared(messages, at);
    const d = best ? divergence(best.messages, messages) : undefined;
    const shared = d ? prefixTokens(messages, d) : 0;
    // least recently used first: the matched prompt is touched, then this one is remembered
    if (best && shared > 0) this.seen.push(this.seen.splice(this.seen.indexOf(best), 1)[0]);
    const entry = { messages: messages.map((m) => ({ ...m })), key };
    this.seen.push(entry);
    this.sorted.splice(at, 0, entry);
    while (this.seen.length > this.entries) {
      const old = this.seen.shift() as Seen;
      this.sorted.splice(this.sorted.indexOf(old), 1);
    }
    return Math.floor(shared / this.block) * this.block;
  }

  /** First position in `sorted` whose key is not below `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The least recently used of the entries sharing the longest (non-empty) prefix with `messages`, whose key
   * sorts at `at`. Shared key characters grow with the shared prefix and fall off on both sides of `at`, so
   * the entries sharing the most are contiguous there.
   */
  private longestShared(messages: readonly PromptMessage[], at: number): Seen | undefined {
    const n = this.sorted.length;
    const rank = (i: number) => {
      if (i < 0 || i >= n) return -1;
      const d = divergence(this.sorted[i].messages, messages);
      return d.messages * 2 ** 32 + d.chars;
    };
    const most = Math.max(rank(at - 1), rank(at));
    if (most <= 0) return undefined;
    let first: Seen | undefined;
    let firstAt = Infinity;
    const consider = (i: number) => {
      const k = this.seen.indexOf(this.sorted[i]);
      if (k < firstAt) [first, firstAt] = [this.sorted[i], k];
    };
    for (let i = at - 1; rank(i) === most; i--) consider(i);
    for (let i = at; rank(i) === most; i++) consider(i);
    return first;
  }
}
