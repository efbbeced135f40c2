/**
 * Cache pricing by a library's own prompt history. A server's prefix cache also holds prompts this library never
 * sent: those of the other forks of a labelled state, and in an eval those of the other curators' streams on the
 * same tasks. Priced by the server's count, whichever rollout or stream ran later rides the cache of the earlier
 * ones, and costs differ by run order, not by what the curator did. A deployed library shares a server's cache with
 * itself only, so every endpoint run prices a call's cached prompt tokens as the prefix its own earlier prompts
 * share (and no more than the server reported).
 */
import type { ChatClient } from "../executors/endpoint/curation.js";
import { sharedPrefixTokens, type PromptMessage } from "../executors/prefix-cache.js";

/** Where a history lives: a fork, or a stream's saved state (JSON, so a resumed run prices as an uninterrupted one). */
export interface PromptHistory {
  prompts?: PromptMessage[][];
}

/**
 * Prompts remembered: a fork's last task (solve, reflect, author) and its one curation call; a stream's last
 * task and the compress / rewrite calls of a pass.
 */
export const FORK_PROMPTS = 4;
export const STREAM_PROMPTS = 8;

export function ownCacheClient(inner: ChatClient, h: PromptHistory, entries: number): ChatClient {
  return {
    async chat(messages, opts) {
      // Read from the saved prompts alone, so a run resumed from its journal prices exactly as an uninterrupted one.
      const shared = sharedPrefixTokens(h.prompts ?? [], messages);
      h.prompts = [...(h.prompts ?? []), messages.map((m) => ({ role: m.role, content: m.content }))].slice(-entries);
      const r = await inner.chat(messages, opts);
      return { ...r, usage: { ...r.usage, cachedTokens: Math.min(r.usage.cachedTokens, shared) } };
    },
  };
}
