import type { LibraryItem } from "../../schemas/item.js";
import { countTokens } from "../../text/tokens.js";

/**
 * Okapi BM25 over item contents — the lexical retriever SkillOS uses to pick skills for a task.
 * IDF is the non-negative Lucene form ln(1 + (N - n + 0.5) / (n + 0.5)), so a term in every item adds ~0
 * rather than a negative score.
 */
export interface Bm25Params {
  k1: number;
  b: number;
}
export const DEFAULT_BM25: Bm25Params = { k1: 1.5, b: 0.75 };

/** Lower-cased word and number tokens; Unicode letters kept, a few stopwords dropped. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((t) => t.length > 0 && !STOPWORDS.has(t));
}

const STOPWORDS = new Set(
  "a an and are as at be by for from has have in is it its of on or that the this to was were will with".split(" "),
);

export class Bm25Index {
  private readonly tf: Array<Map<string, number>>;
  private readonly len: number[];
  private readonly df = new Map<string, number>();
  private readonly avgLen: number;

  constructor(
    docs: readonly string[],
    private readonly params: Bm25Params = DEFAULT_BM25,
  ) {
    this.tf = docs.map((d) => {
      const m = new Map<string, number>();
      for (const t of tokenize(d)) m.set(t, (m.get(t) ?? 0) + 1);
      return m;
    });
    this.len = this.tf.map((m) => [...m.values()].reduce((s, x) => s + x, 0));
    for (const m of this.tf) for (const t of m.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.avgLen = this.len.length ? this.len.reduce((s, x) => s + x, 0) / this.len.length : 0;
  }

  idf(term: string): number {
    const n = this.df.get(term) ?? 0;
    const N = this.tf.length;
    return Math.log(1 + (N - n + 0.5) / (n + 0.5));
  }

  /** BM25 score of every document for the query, in document order. */
  scores(query: string): number[] {
    const terms = [...new Set(tokenize(query))].filter((t) => this.df.has(t));
    const { k1, b } = this.params;
    return this.tf.map((m, i) => {
      let s = 0;
      const norm = k1 * (1 - b + (b * this.len[i]) / (this.avgLen || 1));
      for (const t of terms) {
        const f = m.get(t);
        if (f) s += this.idf(t) * ((f * (k1 + 1)) / (f + norm));
      }
      return s;
    });
  }
}

export interface RetrieveOptions {
  /** tokens of item content the prompt may hold */
  budget: number;
  /** at most this many items before the budget cut (default: no limit) */
  k?: number;
  params?: Bm25Params;
}

export interface Retrieved {
  item: LibraryItem;
  score: number;
  tokens: number;
}

export interface RetrievalResult {
  /** items placed in context, best first */
  items: Retrieved[];
  /** items that matched but were cut by k or the budget, best first */
  cut: Retrieved[];
  usedTokens: number;
}

/** Token length of an item: its `tokens` field when given, else counted from content. */
export function itemTokens(item: LibraryItem): number {
  return item.tokens ?? countTokens(item.content);
}

/**
 * Ranks items by BM25 against the query (ties keep library order) and fills the context in rank order until the
 * next item would exceed the budget; everything from there on is cut, as in the simulated world. Items that
 * share no term with the query are never retrieved.
 */
export function retrieve(items: readonly LibraryItem[], query: string, opts: RetrieveOptions): RetrievalResult {
  const index = new Bm25Index(
    items.map((it) => it.content),
    opts.params,
  );
  const ranked = index
    .scores(query)
    .map((score, i) => ({ score, i }))
    .filter((x) => x.score > 0)
    .sort((x, y) => y.score - x.score || x.i - y.i)
    .map(({ score, i }): Retrieved => ({ item: items[i], score, tokens: itemTokens(items[i]) }));
  const k = opts.k ?? Infinity;
  const chosen: Retrieved[] = [];
  let used = 0;
  let cutAt = ranked.length;
  for (let j = 0; j < ranked.length; j++) {
    if (chosen.length >= k || used + ranked[j].tokens > opts.budget) {
      cutAt = j;
      break;
    }
    chosen.push(ranked[j]);
    used += ranked[j].tokens;
  }
  return { items: chosen, cut: ranked.slice(cutAt), usedTokens: used };
}
