/**
 * How the reference server answers a chat request: it recognises the harness's prompts (solve, author,
 * compress, rewrite; src/executors/endpoint/prompts.ts), reads back the task and the items that arrived in the
 * prompt, and answers as SkillWorld would: success by the world's success model (success.ts) for exactly
 * those items, authored items by the world's authoring model, compress / rewrite by the world's action effects
 * (actions.ts). Every draw is keyed by the seed, the task and the text of the items, never by request order.
 */
import type { WorldConfig } from "../../schemas/world.js";
import type { ExecutorProfile } from "../../schemas/executor.js";
import { unusedCounters, type SimItem } from "../../world/item.js";
import { SkillWorld } from "../../world/world.js";
import { reflect, successModel } from "../../world/success.js";
import { applyCompress, applyRewrite } from "../../world/actions.js";
import { TextTaskStream, type TextTask } from "../../world/text-stream.js";
import {
  parseItem,
  parseTicket,
  procedureKey,
  renderItem,
  STEPS,
  ticketCode,
  type ParsedItem,
} from "../../world/render.js";
import { extractFinalAnswer, matchExact } from "../../tasks/answer.js";
import { countTokens } from "../../text/tokens.js";
import { Rng } from "../../util/rng.js";
import { capTokens } from "../endpoint/harness.js";

export interface ChatMessageIn {
  role: string;
  content: string;
}

export type PromptKind = "solve" | "reflect" | "author" | "compress" | "rewrite" | "other";

export interface Reply {
  kind: PromptKind;
  text: string;
  /** with n > 1 answers asked for: every answer (texts[0] = text) */
  texts?: string[];
  /** solve: the success probability the world gave these items, and the draw */
  pSuccess?: number;
  success?: boolean;
}

/** A request the world cannot answer (a task of another world or seed): the server sends 400 with this message. */
export class ReferenceRequestError extends Error {}

const SALT_WRONG_AUTHORED = 0x5a17;
const SALT_SAMPLE = 0x5a4d;
const SALT_WRONG_INITIAL = 0x1a17;
/** item texts whose parse is remembered */
const PARSED_ITEMS = 4096;

export class ReferenceWorld {
  readonly stream: TextTaskStream;

  constructor(
    readonly cfg: WorldConfig,
    readonly executor: ExecutorProfile,
    readonly seed: number,
  ) {
    this.stream = new TextTaskStream(cfg, seed);
  }

  /**
   * The reply to a chat request; `n` answers when asked for (the API's n). A solve prompt's answer j is decided
   * by the task's own uniform for j = 0 and by an independent uniform keyed by (seed, task, j) after: the
   * answers are draws of a sampling server, and the same j gets the same draw in every fork (common random numbers).
   */
  respond(messages: readonly ChatMessageIn[], n = 1): Reply {
    const reply = this.dispatch(messages, n);
    return n === 1 || reply.texts ? reply : { ...reply, texts: Array<string>(n).fill(reply.text) };
  }

  /** The reply by prompt kind; only a solve prompt draws n different answers. */
  private dispatch(messages: readonly ChatMessageIn[], n: number): Reply {
    const system = messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n");
    const user = messages
      .filter((m) => m.role !== "system")
      .map((m) => m.content)
      .join("\n");
    if (system.startsWith("You maintain a memory of reusable insights")) return this.author(user);
    if (system.startsWith("You shorten memory items")) return this.compress(user);
    if (system.startsWith("You review which memory items")) return this.reflect(user);
    if (system.startsWith("You repair memory items")) return this.rewrite(user);
    if (system.startsWith("You are an expert problem solver") || parseTicket(user) !== undefined)
      return this.solve(user, n);
    return { kind: "other", text: "OK" };
  }

  /** The task quoted in a prompt (the last ticket line after "TASK:", else anywhere), checked against our rendering. */
  private taskIn(text: string): TextTask {
    const at = text.lastIndexOf("TASK:\n");
    const t = parseTicket(at >= 0 ? text.slice(at) : text);
    if (t === undefined)
      throw new ReferenceRequestError("the prompt holds no ticket of this world (expected a line 'Ticket N: …')");
    const task = this.stream.task(t);
    if (!text.includes(task.prompt))
      throw new ReferenceRequestError(
        `ticket ${t} is not the ticket this server's world '${this.cfg.name}' (seed ${this.seed}) renders: start the server with the world and seed of --tasks-from`,
      );
    return task;
  }

  /** Item texts read back, remembered: the same items arrive in prompt after prompt (and fork after fork). */
  private readonly parsed = new Map<string, Readonly<ParsedItem>>();

  private parse(text: string): Readonly<ParsedItem> {
    let it = this.parsed.get(text);
    if (it === undefined) {
      it = Object.freeze(
        parseItem(
          text,
          (n) => this.stream.familyOf(n),
          (f, v) => this.stream.key(f, v),
        ),
      );
      if (this.parsed.size >= PARSED_ITEMS) this.parsed.delete(this.parsed.keys().next().value as string);
      this.parsed.set(text, it);
    }
    return it;
  }

  /** Item texts of the MEMORY ITEMS block, in prompt order. */
  private itemsIn(text: string): ParsedItem[] {
    return [...text.matchAll(/<memory_item id="[^"]*">\n([\s\S]*?)\n<\/memory_item>/g)].map((m) => this.parse(m[1]));
  }

  /** Memory items of the prompt's MEMORY ITEMS block with the ids the harness gave them, in prompt order. */
  private shownItems(user: string): (ParsedItem & { shownId: string })[] {
    const at = user.indexOf("TASK:\n");
    const memory = at >= 0 ? user.slice(0, at) : "";
    return [...memory.matchAll(/<memory_item id="([^"]*)">\n([\s\S]*?)\n<\/memory_item>/g)].map((m) => ({
      ...this.parse(m[2]),
      shownId: m[1],
    }));
  }

  /**
   * The reflection prompt: tags the items shown as the world's executor reflects (success.ts reflect) on the
   * same items and task, with the outcome read from the solution quoted (as the author prompt is read).
   */
  private reflect(user: string): Reply {
    const task = this.taskIn(user);
    const context = this.shownItems(user);
    const sol = /YOUR SOLUTION:\n([\s\S]*?)\n\nRESULT:/.exec(user)?.[1] ?? "";
    const success = matchExact(extractFinalAnswer(sol), task.answer);
    const m = this.outcome(task, context);
    const flags = reflect(m, success, task.t, this.seed);
    const tagOf = (it: (typeof context)[number]) =>
      flags.harmful.includes(it) ? "harmful" : flags.helpful.includes(it) ? "helpful" : "neutral";
    const lines = context.map((it) => `${it.shownId}: ${tagOf(it)}`);
    return { kind: "reflect", text: `<item_tags>\n${lines.join("\n")}\n</item_tags>` };
  }

  /** The world's success model for these items on this task (solve and reflect read the same outcome). */
  private outcome<T extends ParsedItem>(task: TextTask, context: readonly T[]) {
    return successModel({
      context,
      family: task.family,
      difficulty: task.difficulty,
      familyVersion: task.versions,
      prof: this.executor,
      cfg: this.cfg,
      t: task.t,
      seed: this.seed,
      isFaded: (f) => task.faded[f] === 1,
    });
  }

  private solve(user: string, n: number): Reply {
    const task = this.taskIn(user);
    const memory = user.slice(0, Math.max(0, user.lastIndexOf("TASK:\n")));
    const context = this.itemsIn(memory);
    const m = this.outcome(task, context);
    // A failure answers with a plausible wrong code: the key of a followed stale / wrong item if one was in the prompt.
    const misleading = context.find(
      (it) => it.family === task.family && it.key !== this.stream.key(task.family, task.versions[task.family]),
    );
    const wrongKey = misleading?.key ?? procedureKey(this.seed, task.family, task.versions[task.family], task.t);
    const used = m.useful.length + m.noticed.length;
    const lines = [
      `Ticket ${task.t}: I apply the procedure to the input value ${task.input}.`,
      used
        ? `I rely on ${used} of the ${context.length} memory items shown.`
        : "No memory item applies, so I work from first principles.",
    ];
    const pad = this.cfg.outputTokensPerTask - 40;
    for (let i = 0, k = countTokens(lines.join("\n")); k < pad && i < 200; i++) {
      const line = `Check ${i + 1}: the intermediate digits of ${task.input} are carried through step ${(i % STEPS) + 1}.`;
      lines.push(line);
      k += countTokens(line) + 1;
    }
    const body = lines.join("\n");
    const answer = (right: boolean) =>
      `${body}\nFINAL ANSWER:\n<answer>\n${right ? task.answer : ticketCode(task.family, task.input, wrongKey)}\n</answer>`;
    const success = task.u < m.pSuccess;
    const reply: Reply = { kind: "solve", text: answer(success), pSuccess: m.pSuccess, success };
    if (n === 1) return reply;
    const texts = [reply.text];
    for (let j = 1; j < n; j++) texts.push(answer(new Rng([this.seed, task.t, SALT_SAMPLE, j]).next() < m.pSuccess));
    return { ...reply, texts };
  }

  private author(user: string): Reply {
    const task = this.taskIn(user);
    const sol = /YOUR SOLUTION:\n([\s\S]*?)\n\n(?:RESULT:|Write at most ONE)/.exec(user)?.[1] ?? "";
    const success = matchExact(extractFinalAnswer(sol), task.answer);
    // The world's own authoring draws for this task (SkillWorld.runTask): rate, generic share, error rate.
    const rng = task.after.clone();
    const a = this.executor.authoring;
    const authored = rng.bernoulli(a.rate);
    const generic = rng.bernoulli(a.genericRate);
    const wrong = rng.bernoulli(Math.min(1, a.errorRate * (success ? 0.6 : 1.8)));
    if (!authored) return { kind: "author", text: "<memory_item>\n<action>none</action>\n</memory_item>" };
    const maker = new SkillWorld(this.cfg, [], this.seed, false);
    maker.familyVersion = task.versions.slice();
    const it = maker.makeItem(
      new Rng([this.seed, task.t, 0x17e3]),
      generic ? -1 : task.family,
      a.meanTokens,
      wrong,
      0,
      task.t + 1,
    );
    const key =
      it.family < 0
        ? ""
        : wrong
          ? procedureKey(this.seed, it.family, it.version, SALT_WRONG_AUTHORED + task.t)
          : this.stream.key(it.family, it.version);
    const text = this.render(it, key, task.t);
    return {
      kind: "author",
      text: `<memory_item>\n<action>add</action>\n<target></target>\n<content>\n${text}\n</content>\n</memory_item>`,
    };
  }

  private compress(user: string): Reply {
    const body = /<memory_item>\n([\s\S]*?)\n<\/memory_item>/.exec(user)?.[1] ?? "";
    const target = Number(/in at most (\d+) tokens/.exec(user)?.[1] ?? 0);
    const p = this.parse(body);
    if (!p.known) return { kind: "compress", text: `<content>\n${capTokens(body, Math.max(8, target))}\n</content>` };
    const it = toSim(p);
    applyCompress(it, this.cfg, 0);
    return { kind: "compress", text: `<content>\n${this.render(it, p.key, p.id)}\n</content>` };
  }

  private rewrite(user: string): Reply {
    const body = /<memory_item>\n([\s\S]*?)\n<\/memory_item>/.exec(user)?.[1] ?? "";
    const evidence = user.slice(user.indexOf("EVIDENCE:"));
    const p = this.parse(body);
    if (!p.known) return { kind: "rewrite", text: `<content>\n${body}\n</content>` };
    // The procedure versions the evidence shows: those in force at the latest ticket it quotes. Without
    // evidence a rewrite cannot learn of a newer revision, so the item's own revision stands.
    const seen = [...evidence.matchAll(/Ticket (\d+): /g)].map((m) => Number(m[1]));
    const last = seen.length ? seen.reduce((a, b) => Math.max(a, b)) : undefined;
    const versions =
      last !== undefined
        ? this.stream.task(last).versions
        : Int32Array.from({ length: this.cfg.families }, () => p.version);
    const it = toSim(p);
    applyRewrite({ cfg: this.cfg, seed: this.seed, step: (last ?? -1) + 1, familyVersion: versions }, it);
    const key = it.family < 0 ? "" : it.wrong ? p.key : this.stream.key(it.family, it.version);
    return { kind: "rewrite", text: `<content>\n${this.render(it, key, p.id)}\n</content>` };
  }

  /**
   * The world's starting library as text (SkillWorld's initial items: generic advice, procedure notes, a few
   * wrong), so an endpoint run can start where an in-process stream of this seed starts (collect / eval
   * --library). Wrong items carry a key that is not the procedure's, which the server reads back as wrong.
   */
  initialLibrary(): { id: string; kind: "context"; content: string }[] {
    return new SkillWorld(this.cfg, [], this.seed).items.map((it, i) => {
      const key =
        it.family < 0
          ? ""
          : it.wrong
            ? procedureKey(this.seed, it.family, it.version, SALT_WRONG_INITIAL + i)
            : this.stream.key(it.family, it.version);
      return { id: `initial-${i}`, kind: "context" as const, content: this.render(it, key, it.id) };
    });
  }

  private render(it: SimItem, key: string, variant: number): string {
    return renderItem({
      family: it.family,
      version: it.version,
      key,
      steps: Math.round(it.actionability * it.detail * STEPS),
      coreTokens: it.coreTokens,
      tokens: it.tokens,
      variant: variant >>> 0,
    });
  }
}

/** A parsed item as a world item (the counters do not matter to the action effects read here). */
function toSim(p: ParsedItem): SimItem {
  return {
    id: p.id,
    isSkill: false,
    family: p.family,
    actionability: p.actionability,
    coreTokens: p.coreTokens,
    version: p.version,
    wrong: p.wrong,
    detail: p.detail,
    tokens: p.tokens,
    createdAt: 0,
    author: -1,
    ...unusedCounters(0),
    placeholder: false,
    shortGeneric: false,
    calls: -1,
  };
}
