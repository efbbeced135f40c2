import type { Action } from "../../actions.js";
import type { LibraryItem } from "../../schemas/item.js";
import { countTokens } from "../../text/tokens.js";
import { isCuratorError } from "../../errors.js";
import type { ChatMessage, ChatOptions, ChatResult } from "./client.js";
import { costOf, DEFAULT_PRICES, type Prices, type Usage } from "./profile.js";
import { buildCompressPrompt, buildRewritePrompt, parseContentReply } from "./prompts.js";

/** What the harness and curation need from an endpoint: EndpointClient, or a fake in tests. */
export interface ChatClient {
  chat(messages: ChatMessage[], opts?: ChatOptions): Promise<ChatResult>;
}

/** A retired item: out of the live library, kept whole so it can be restored. Never deleted. */
export interface ArchivedItem {
  item: LibraryItem;
  retiredAt: number;
  reason: string;
}

export interface CuratedLibrary {
  live: LibraryItem[];
  archive: ArchivedItem[];
}

export interface CurationDecision {
  itemId: string;
  action: Action;
}

export interface CurationCall {
  itemId: string;
  action: "compress" | "rewrite";
  /** false when the call failed or its reply was unusable; the item is then left unchanged */
  ok: boolean;
  error?: string;
  usage: Usage;
  cost: number;
  tokensBefore: number;
  tokensAfter: number;
}

export interface CurationResult extends CuratedLibrary {
  calls: CurationCall[];
  /** decisions not applied, with the reason (unknown id, pinned item) */
  skipped: Array<{ itemId: string; action: Action; reason: string }>;
  /** sums over calls: uncached prompt tokens, cached prompt tokens, output tokens */
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  cost: number;
}

export interface CurationOptions {
  /** task index at which the pass runs (recorded on archived items) */
  step: number;
  prices?: Prices;
  /** share of tokens a compression aims to keep */
  compressRatio?: number;
  /** evidence shown to a rewrite call for an item (recent tasks that used it, its stats) */
  evidence?: (item: LibraryItem) => string;
}

const ZERO: Usage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };

export function defaultEvidence(item: LibraryItem): string {
  const s = item.stats ?? {};
  return `Used in ${s.timesRetrieved ?? 0} tasks: ${s.successes ?? 0} succeeded, ${s.failures ?? 0} failed (recent: ${s.recentSuccesses ?? 0} / ${s.recentFailures ?? 0}).`;
}

function withContent(item: LibraryItem, content: string, action: "compress" | "rewrite"): LibraryItem {
  const stats = { ...item.stats };
  const meta = { ...item.meta };
  if (action === "compress") stats.compressions = (stats.compressions ?? 0) + 1;
  else {
    // A rewrite is new content: the outcome counters described the old text (as the simulator's applyRewrite
    // resets them); retrievals, age and last use stay (the item's place in the library did not change).
    stats.rewrites = (stats.rewrites ?? 0) + 1;
    stats.successes = 0;
    stats.failures = 0;
    stats.recentSuccesses = 0;
    stats.recentFailures = 0;
    stats.helpful = 0;
    stats.harmful = 0;
    stats.writtenAfterFailure = false;
    delete meta.recentOutcomes;
  }
  const { similarity: _stale, ...rest } = item;
  return { ...rest, content, tokens: countTokens(content), stats, meta };
}

/**
 * Applies a curation pass: keep does nothing; compress and rewrite regenerate the item's text through one LLM
 * call each (run concurrently, bounded by the client); retire moves the item to the archive. Pinned items are
 * never retired. A failed call leaves its item unchanged and is reported, never thrown, so a pass cannot lose
 * the run. Pure: the input library is not mutated and nothing is written to disk.
 */
export async function applyCuration(
  library: CuratedLibrary,
  decisions: readonly CurationDecision[],
  rewriter: ChatClient,
  opts: CurationOptions,
): Promise<CurationResult> {
  const prices = opts.prices ?? DEFAULT_PRICES;
  const ratio = opts.compressRatio ?? 0.4;
  const evidence = opts.evidence ?? defaultEvidence;
  const byId = new Map(library.live.map((it) => [it.id, it]));
  const skipped: CurationResult["skipped"] = [];
  const retire = new Set<string>();
  const jobs: Array<Promise<{ id: string; item?: LibraryItem; call: CurationCall }>> = [];
  const seen = new Set<string>();

  for (const d of decisions) {
    const item = byId.get(d.itemId);
    if (!item) {
      skipped.push({ ...d, reason: "no live item has this id" });
      continue;
    }
    if (seen.has(d.itemId)) {
      skipped.push({ ...d, reason: "a decision for this item came earlier in the pass" });
      continue;
    }
    seen.add(d.itemId);
    if (d.action === "keep") continue;
    if (d.action === "retire") {
      if (item.pinned) skipped.push({ ...d, reason: "pinned items are never retired" });
      else retire.add(item.id);
      continue;
    }
    const action = d.action;
    const before = item.tokens ?? countTokens(item.content);
    const messages =
      action === "compress"
        ? buildCompressPrompt(item, Math.max(8, Math.ceil(before * ratio)))
        : buildRewritePrompt(item, evidence(item));
    jobs.push(
      rewriter.chat(messages).then(
        (r) => {
          const text = parseContentReply(r.text);
          const after = countTokens(text);
          const usable = text !== "" && (action === "rewrite" || after < before);
          const call: CurationCall = {
            itemId: item.id,
            action,
            ok: usable,
            ...(usable ? {} : { error: text === "" ? "empty reply" : "reply was not shorter than the item" }),
            usage: r.usage,
            cost: costOf(r.usage, prices),
            tokensBefore: before,
            tokensAfter: usable ? after : before,
          };
          return { id: item.id, item: usable ? withContent(item, text, action) : undefined, call };
        },
        (e: unknown) => ({
          id: item.id,
          call: {
            itemId: item.id,
            action,
            ok: false,
            error: isCuratorError(e) ? e.message : String(e instanceof Error ? e.message : e),
            usage: ZERO,
            cost: 0,
            tokensBefore: before,
            tokensAfter: before,
          },
        }),
      ),
    );
  }

  const done = await Promise.all(jobs);
  const replaced = new Map(done.filter((d) => d.item).map((d) => [d.id, d.item as LibraryItem]));
  const live: LibraryItem[] = [];
  const archive = [...library.archive];
  for (const it of library.live) {
    if (retire.has(it.id)) archive.push({ item: it, retiredAt: opts.step, reason: "retire" });
    else live.push(replaced.get(it.id) ?? it);
  }
  const calls = done.map((d) => d.call);
  const sum = (f: (c: CurationCall) => number) => calls.reduce((s, c) => s + f(c), 0);
  return {
    live,
    archive,
    calls,
    skipped,
    promptTokens: sum((c) => c.usage.promptTokens - c.usage.cachedTokens),
    cachedTokens: sum((c) => c.usage.cachedTokens),
    outputTokens: sum((c) => c.usage.completionTokens),
    cost: sum((c) => c.cost),
  };
}

/** Moves an archived item back into the live library (undo of retire). */
export function restoreItem(library: CuratedLibrary, itemId: string): CuratedLibrary {
  const at = library.archive.findIndex((a) => a.item.id === itemId);
  if (at < 0) return library;
  return { live: [...library.live, library.archive[at].item], archive: library.archive.filter((_, i) => i !== at) };
}
