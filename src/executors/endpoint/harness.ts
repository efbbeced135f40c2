import type { LibraryItem, ItemStats } from "../../schemas/item.js";
import { countTokens, tokenPrefix } from "../../text/tokens.js";
import { isCuratorError } from "../../errors.js";
import type { Task } from "../../tasks/task.js";
import { checkAnswer } from "../../tasks/check.js";
import type { SandboxOptions } from "../../tasks/sandbox.js";
import { retrieve } from "./bm25.js";
import { ReplyOverCapError } from "./errors.js";
import { costOf, DEFAULT_PRICES, type Prices, type Usage } from "./profile.js";
import {
  buildAuthorPrompt,
  buildReflectPrompt,
  buildSolvePrompt,
  parseAuthoredItem,
  parseItemTags,
  type ItemTag,
} from "./prompts.js";
import {
  applyCuration,
  defaultEvidence,
  type ArchivedItem,
  type ChatClient,
  type CurationDecision,
  type CurationResult,
} from "./curation.js";
import type { ChatResult } from "./client.js";

export interface HarnessConfig {
  /** the executor's name: authored items carry it as `author`, outcomes as `executor` */
  executorName: string;
  /** tokens of retrieved item content per prompt */
  contextBudget: number;
  prices?: Prices;
  /** at most this many items retrieved before the budget cut (default 8) */
  retrievalK?: number;
  /** retrievals counted in an item's recent success window (default 6, as the simulated world) */
  recentWindow?: number;
  /** ask the executor to write / update a memory item after each task (default true) */
  authoring?: boolean;
  /**
   * after each task with items shown, ask the executor which of them helped or misled (ACE's reflector, told the
   * checked outcome): the tags count into the items' helpful / harmful statistics. One more call per such task
   * (default false)
   */
  reflection?: boolean;
  /** tell the executor, when authoring, whether its answer was right (default false, as Dynamic Cheatsheet) */
  revealOutcome?: boolean;
  /** authored items are asked to stay under, and are cut to, this many tokens (default 300) */
  maxItemTokens?: number;
  sandbox?: SandboxOptions;
  /** prefix of authored item ids (default "<executorName>-") */
  idPrefix?: string;
  /**
   * answers sampled per task (default 1): the first drives the task as usual (its check, the item statistics,
   * authoring); the share of correct ones is the outcome's `successShare`, and the extra answers are not charged
   * to the task's cost (a measurement, as rollout labels take it: collect --rollout-samples)
   */
  samples?: number;
}

export interface HarnessState {
  live: LibraryItem[];
  archive: ArchivedItem[];
  /** index of the next task */
  step: number;
}

/** One finished task. Token fields match the tasks table: promptTokens excludes the cached ones. */
export interface TaskOutcome {
  step: number;
  taskId: string;
  success: boolean;
  /** with `samples` > 1: the share of the sampled answers that were correct */
  successShare?: number;
  /** the answer / code taken from the reply, and the checker's note */
  extracted: string;
  detail: string;
  /** uncached prompt tokens of the answer and authoring calls */
  promptTokens: number;
  cachedTokens: number;
  /** output tokens: answer plus authored item */
  outputTokens: number;
  /** USD, cached prompt tokens at the cache-read price */
  cost: number;
  retrievedIds: string[];
  contextTokens: number;
  authored: "add" | "update" | "none";
  authoredItemId?: string;
  /** set when the authoring call failed; the task itself still counts */
  authorError?: string;
  /** with reflection: the items the executor tagged helpful / harmful on this task */
  reflected?: { helpful: string[]; harmful: string[] };
  /** set when the reflection call failed; the task itself still counts */
  reflectError?: string;
  /** set when the answer was refused for being over the profile's reply caps: the task failed for this reason */
  replyRefused?: string;
  /** server usage per call */
  usage: { answer: Usage; author?: Usage; reflect?: Usage };
  librarySize: number;
  libraryTokens: number;
}

const EMPTY_STATS: Required<ItemStats> = {
  createdAt: 0,
  lastRetrievedAt: null,
  timesRetrieved: 0,
  successes: 0,
  failures: 0,
  recentSuccesses: 0,
  recentFailures: 0,
  helpful: 0,
  harmful: 0,
  writtenAfterFailure: false,
  rewrites: 0,
  compressions: 0,
};

/**
 * The real harness loop for one library and one executor: retrieve (BM25 within the budget) → ask → check →
 * update item stats → let the executor write or update one memory item → record the outcome. Holds the
 * library in memory and does no file I/O: the collector persists `snapshot()` and outcomes as it likes.
 */
export class EndpointHarness {
  private state: HarnessState;
  private readonly cfg: Required<Omit<HarnessConfig, "sandbox" | "prices">> &
    Pick<HarnessConfig, "sandbox"> & { prices: Prices };
  /** recent uses of each item, kept for rewrite evidence (in memory only) */
  private readonly uses = new Map<string, string[]>();

  constructor(
    private readonly executor: ChatClient,
    config: HarnessConfig,
    state: Partial<HarnessState> = {},
  ) {
    this.cfg = {
      retrievalK: 8,
      recentWindow: 6,
      authoring: true,
      reflection: false,
      samples: 1,
      revealOutcome: false,
      maxItemTokens: 300,
      idPrefix: `${config.executorName}-`,
      ...config,
      prices: config.prices ?? DEFAULT_PRICES,
    };
    const step = state.step ?? 0;
    const live = structuredClone(state.live ?? []).map((it) => ({
      ...it,
      tokens: it.tokens ?? countTokens(it.content),
      stats: { ...EMPTY_STATS, createdAt: step, ...it.stats },
    }));
    this.state = { live, archive: structuredClone(state.archive ?? []), step };
  }

  get step(): number {
    return this.state.step;
  }
  get live(): readonly LibraryItem[] {
    return this.state.live;
  }
  get archive(): readonly ArchivedItem[] {
    return this.state.archive;
  }

  /** A deep copy of the library and step, for the collector to persist (and pass back to resume). */
  snapshot(): HarnessState {
    return structuredClone(this.state);
  }

  /** Runs one task. Throws (CuratorError ENDPOINT_ERROR) only if the answer call itself fails for good. */
  async runTask(task: Task): Promise<TaskOutcome> {
    const step = this.state.step;
    const got = retrieve(this.state.live, task.prompt, { budget: this.cfg.contextBudget, k: this.cfg.retrievalK });
    const inContext = got.items.map((r) => r.item);
    // The prompt shows the retrieved items in library order, not rank order: consecutive prompts then share
    // the longest prefix a server's prefix cache can reuse (rank order changes with every task).
    const shown = inLibraryOrder(inContext, this.state.live);
    const samples = this.cfg.samples;
    const reply = await this.executor
      .chat(buildSolvePrompt(task, shown), samples > 1 ? { n: samples } : undefined)
      .catch((e: unknown) => {
        if (e instanceof ReplyOverCapError) return e;
        throw e;
      });
    const refused = reply instanceof ReplyOverCapError ? reply.message : undefined;
    const answer =
      reply instanceof ReplyOverCapError ? { text: "", usage: reply.usage } : { ...reply, usage: oneAnswer(reply) };
    const check = refused
      ? { success: false, extracted: "", detail: `reply refused: ${refused}` }
      : await checkAnswer(task, answer.text, this.cfg.sandbox);
    let successShare: number | undefined;
    if (samples > 1 && !(reply instanceof ReplyOverCapError)) {
      let right = check.success ? 1 : 0;
      for (const text of (reply.texts ?? []).slice(1))
        if ((await checkAnswer(task, text, this.cfg.sandbox)).success) right++;
      successShare = right / samples;
    } else if (samples > 1) successShare = 0;

    const ids = new Set(inContext.map((it) => it.id));
    this.state.live = this.state.live.map((it) =>
      ids.has(it.id) ? this.recordUse(it, step, check.success, task) : it,
    );

    let reflected: TaskOutcome["reflected"];
    let reflectError: string | undefined;
    let reflectUsage: Usage | undefined;
    if (this.cfg.reflection && !refused && shown.length > 0) {
      try {
        const r = await this.executor.chat(buildReflectPrompt(task, answer.text, shown, check));
        reflectUsage = r.usage;
        reflected = this.applyTags(parseItemTags(r.text, ids));
      } catch (e) {
        if (!isCuratorError(e)) throw e;
        reflectError = e.message;
      }
    }

    let authored: TaskOutcome["authored"] = "none";
    let authoredItemId: string | undefined;
    let authorError: string | undefined;
    let authorUsage: Usage | undefined;
    if (this.cfg.authoring && !refused) {
      try {
        const outcome = this.cfg.revealOutcome ? check : undefined;
        const r = await this.executor.chat(
          buildAuthorPrompt(task, answer.text, shown, this.cfg.maxItemTokens, outcome),
        );
        authorUsage = r.usage;
        ({ authored, authoredItemId } = this.applyAuthored(r.text, ids, step, check.success));
      } catch (e) {
        if (!isCuratorError(e)) throw e;
        authorError = e.message;
      }
    }

    const calls = [answer.usage, ...(reflectUsage ? [reflectUsage] : []), ...(authorUsage ? [authorUsage] : [])];
    const sum = (f: (u: Usage) => number) => calls.reduce((s, u) => s + f(u), 0);
    this.state.step = step + 1;
    return {
      step,
      taskId: task.id,
      success: check.success,
      ...(successShare !== undefined ? { successShare } : {}),
      extracted: check.extracted,
      detail: check.detail,
      promptTokens: sum((u) => u.promptTokens - u.cachedTokens),
      cachedTokens: sum((u) => u.cachedTokens),
      outputTokens: sum((u) => u.completionTokens),
      cost: sum((u) => costOf(u, this.cfg.prices)),
      retrievedIds: inContext.map((it) => it.id),
      contextTokens: got.usedTokens,
      authored,
      ...(authoredItemId ? { authoredItemId } : {}),
      ...(authorError ? { authorError } : {}),
      ...(reflected ? { reflected } : {}),
      ...(reflectError ? { reflectError } : {}),
      ...(refused ? { replyRefused: refused } : {}),
      usage: {
        answer: answer.usage,
        ...(reflectUsage ? { reflect: reflectUsage } : {}),
        ...(authorUsage ? { author: authorUsage } : {}),
      },
      librarySize: this.state.live.length,
      libraryTokens: this.state.live.reduce((s, it) => s + (it.tokens ?? 0), 0),
    };
  }

  /**
   * Applies the curator's decisions for this pass (compress / rewrite through `rewriter`, retire to the archive)
   * and adopts the result. Rewrite evidence: the item's stats and the last tasks that used it.
   */
  async curate(decisions: readonly CurationDecision[], rewriter: ChatClient = this.executor): Promise<CurationResult> {
    const res = await applyCuration(this.state, decisions, rewriter, {
      step: this.state.step,
      prices: this.cfg.prices,
      evidence: (it) => [defaultEvidence(it), ...(this.uses.get(it.id) ?? [])].join("\n"),
    });
    this.state.live = res.live;
    this.state.archive = res.archive;
    return res;
  }

  private recordUse(it: LibraryItem, step: number, success: boolean, task: Task): LibraryItem {
    const s = { ...EMPTY_STATS, ...it.stats };
    const prev = Array.isArray(it.meta?.recentOutcomes) ? (it.meta.recentOutcomes as number[]) : [];
    const recent = [...prev, success ? 1 : 0].slice(-this.cfg.recentWindow);
    const ok = recent.reduce((a, b) => a + b, 0);
    const log = [
      ...(this.uses.get(it.id) ?? []),
      `- task ${task.id} (${success ? "succeeded" : "failed"}): ${task.prompt.slice(0, 200)}`,
    ];
    this.uses.set(it.id, log.slice(-3));
    return {
      ...it,
      stats: {
        ...s,
        timesRetrieved: s.timesRetrieved + 1,
        successes: s.successes + (success ? 1 : 0),
        failures: s.failures + (success ? 0 : 1),
        recentSuccesses: ok,
        recentFailures: recent.length - ok,
        lastRetrievedAt: step,
      },
      meta: { ...it.meta, recentOutcomes: recent },
    };
  }

  /** Counts the reflection's tags into the tagged items' helpful / harmful statistics. */
  private applyTags(tags: ReadonlyMap<string, ItemTag>): NonNullable<TaskOutcome["reflected"]> {
    const helpful: string[] = [];
    const harmful: string[] = [];
    for (const [id, t] of tags)
      if (t === "helpful") helpful.push(id);
      else if (t === "harmful") harmful.push(id);
    if (helpful.length + harmful.length > 0) {
      const up = new Set([...helpful, ...harmful]);
      this.state.live = this.state.live.map((it) => {
        if (!up.has(it.id)) return it;
        const s = { ...EMPTY_STATS, ...it.stats };
        const h = tags.get(it.id) === "helpful";
        return { ...it, stats: { ...s, helpful: s.helpful + (h ? 1 : 0), harmful: s.harmful + (h ? 0 : 1) } };
      });
    }
    return { helpful, harmful };
  }

  private applyAuthored(
    reply: string,
    inContext: Set<string>,
    step: number,
    success: boolean,
  ): Pick<TaskOutcome, "authored" | "authoredItemId"> {
    const parsed = parseAuthoredItem(reply);
    if (parsed.action === "none") return { authored: "none" };
    const content = capTokens(parsed.content, this.cfg.maxItemTokens);
    const kind = /```/.test(content) ? "skill" : "context";
    if (parsed.action === "update" && parsed.target && inContext.has(parsed.target)) {
      const id = parsed.target;
      this.state.live = this.state.live.map((it) => {
        if (it.id !== id) return it;
        const { similarity: _stale, ...rest } = it;
        const meta = { ...it.meta, authorUpdates: Number(it.meta?.authorUpdates ?? 0) + 1 };
        return { ...rest, content, tokens: countTokens(content), author: this.cfg.executorName, meta };
      });
      return { authored: "update", authoredItemId: id };
    }
    const taken = new Set([...this.state.live, ...this.state.archive.map((a) => a.item)].map((it) => it.id));
    let id = `${this.cfg.idPrefix}${step}`;
    for (let n = 2; taken.has(id); n++) id = `${this.cfg.idPrefix}${step}-${n}`;
    this.state.live.push({
      id,
      kind,
      content,
      author: this.cfg.executorName,
      tokens: countTokens(content),
      // written after task `step`: the first task it can serve is step + 1 (the simulator's convention, so that
      // retrievals never outnumber the tasks since it was written)
      stats: { ...EMPTY_STATS, createdAt: step + 1, writtenAfterFailure: !success },
    });
    return { authored: "add", authoredItemId: id };
  }
}

/** `items` (a subset of `library`) sorted by their position in the library. */
export function inLibraryOrder(items: readonly LibraryItem[], library: readonly LibraryItem[]): LibraryItem[] {
  const at = new Map(library.map((it, i) => [it.id, i]));
  return [...items].sort((a, b) => (at.get(a.id) ?? 0) - (at.get(b.id) ?? 0));
}

/** Cuts a text to at most `max` tokens (at a line or word boundary when one is near). */
export function capTokens(text: string, max: number): string {
  if (countTokens(text) <= max) return text;
  const cut = tokenPrefix(text, max);
  const lo = cut.length;
  const boundary = Math.max(cut.lastIndexOf("\n"), cut.lastIndexOf(" "));
  return (boundary > lo * 0.8 ? cut.slice(0, boundary) : cut).trimEnd();
}

/** A reply's usage as one answer's: the prompt, and the completion tokens of all answers over their number. */
function oneAnswer(reply: ChatResult): Usage {
  const n = reply.texts?.length ?? 1;
  if (n === 1) return reply.usage;
  return { ...reply.usage, completionTokens: Math.round(reply.usage.completionTokens / n) };
}
