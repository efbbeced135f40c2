import type { LibraryItem } from "../../schemas/item.js";
import type { Task } from "../../tasks/task.js";
import type { ChatMessage } from "./client.js";

/**
 * Prompts of the real harness loop and robust parsers for their replies. The solve prompt follows Dynamic
 * Cheatsheet's generator (reference material first, then the question, the answer in an <answer> block);
 * the authoring prompt follows its curator (write short, actionable, reusable insights — not the answer).
 */

const SOLVE_SYSTEM =
  "You are an expert problem solver. You may be given MEMORY ITEMS: notes and code written after earlier tasks. " +
  "Use them when they help, ignore them when they do not apply or look wrong.";

function memoryBlock(items: readonly LibraryItem[]): string {
  if (items.length === 0) return "MEMORY ITEMS: (none)";
  return [
    "MEMORY ITEMS:",
    ...items.map((it) => `<memory_item id="${it.id}">\n${it.content.trim()}\n</memory_item>`),
  ].join("\n");
}

export function buildSolvePrompt(task: Task, items: readonly LibraryItem[]): ChatMessage[] {
  const format =
    task.kind === "code"
      ? "Write the solution as JavaScript (an ES module, Node 20, no network or file access) in one ```javascript code block. Define what the task asks for at top level."
      : "End with your final answer in this exact format:\nFINAL ANSWER:\n<answer>\n(final answer only)\n</answer>";
  return [
    { role: "system", content: SOLVE_SYSTEM },
    { role: "user", content: `${memoryBlock(items)}\n\n-----\nTASK:\n${task.prompt}\n\n-----\n${format}` },
  ];
}

export function buildAuthorPrompt(
  task: Task,
  reply: string,
  items: readonly LibraryItem[],
  maxItemTokens: number,
  outcome?: { success: boolean; detail: string },
): ChatMessage[] {
  const seen = items.length ? `${memoryBlock(items)}\n\n` : "";
  const result = outcome ? `RESULT: ${outcome.success ? "correct" : `incorrect (${outcome.detail})`}\n\n` : "";
  return [
    {
      role: "system",
      content:
        "You maintain a memory of reusable insights for future tasks. Write short, actionable, general lessons " +
        "(strategies, pitfalls, formulas, code patterns) — never just the answer to this one task.",
    },
    {
      role: "user",
      content:
        `${seen}TASK:\n${task.prompt}\n\nYOUR SOLUTION:\n${reply.slice(0, 6000)}\n\n${result}` +
        `Write at most ONE memory item of under ${maxItemTokens} tokens, or update one of the memory items shown above if it ` +
        `should be corrected or extended. Reply in exactly this format:\n` +
        `<memory_item>\n<action>add | update | none</action>\n<target>id of the item to update (update only)</target>\n` +
        `<content>\nthe item text\n</content>\n</memory_item>`,
    },
  ];
}

export interface AuthoredItem {
  action: "add" | "update" | "none";
  target?: string;
  content: string;
}

function tag(text: string, name: string): string | undefined {
  const open = new RegExp(`<${name}(?:\\s[^>]*)?>`, "i");
  const m = open.exec(text);
  if (!m) return undefined;
  const rest = text.slice(m.index + m[0].length);
  const close = rest.search(new RegExp(`</${name}\\s*>`, "i"));
  return (close >= 0 ? rest.slice(0, close) : rest).trim();
}

/**
 * Reads an authoring reply. Accepts the tagged format, a reply missing some tags (no <action> means add when
 * there is content), a fenced or bare reply (taken as the item text), and "none" in any spelling.
 */
export function parseAuthoredItem(reply: string): AuthoredItem {
  const body = tag(reply, "memory_item") ?? reply;
  const actionRaw = tag(body, "action")
    ?.toLowerCase()
    .replace(/[^a-z]/g, "");
  let content = tag(body, "content") ?? tag(body, "description");
  if (content === undefined) {
    content = body.replace(/<\/?(action|target|memory_item)[^>]*>/gi, "");
    if (actionRaw !== undefined) content = content.replace(/^\s*(add|update|none)\s*/i, "");
    content = content.trim();
  }
  content = content.replace(/^```[a-z]*\n([\s\S]*?)```$/i, "$1").trim();
  const target = tag(body, "target")?.replace(/[`"']/g, "").trim() || undefined;
  const none = actionRaw === "none" || actionRaw === "noop" || /^\s*(none|no new item|nothing)\W*\s*$/i.test(content);
  if (none || content === "") return { action: "none", content: "" };
  if (actionRaw === "update" && target) return { action: "update", target, content };
  return { action: "add", content };
}

export function buildCompressPrompt(item: LibraryItem, targetTokens: number): ChatMessage[] {
  return [
    { role: "system", content: "You shorten memory items for an AI agent without losing what makes them useful." },
    {
      role: "user",
      content:
        `Rewrite this memory item in at most ${targetTokens} tokens. Keep the actionable core (steps, formulas, code, ` +
        `pitfalls); drop repetition, hedging and generic advice. Reply with only the new text inside <content></content>.\n\n` +
        `<memory_item>\n${item.content.trim()}\n</memory_item>`,
    },
  ];
}

export function buildRewritePrompt(item: LibraryItem, evidence: string): ChatMessage[] {
  return [
    { role: "system", content: "You repair memory items for an AI agent so they are correct, current and actionable." },
    {
      role: "user",
      content:
        `This memory item may be stale, wrong or too generic. Using the evidence, rewrite it so that it helps future ` +
        `tasks: specific, correct, short. If the evidence shows it misleads, fix the misleading part. Reply with only ` +
        `the new text inside <content></content>.\n\n<memory_item>\n${item.content.trim()}\n</memory_item>\n\nEVIDENCE:\n${evidence}`,
    },
  ];
}

/** The text of a compress / rewrite reply: its <content> block, else the reply without fences. */
export function parseContentReply(reply: string): string {
  const c = tag(reply, "content") ?? reply;
  return c.replace(/^```[a-z]*\n([\s\S]*?)```$/i, "$1").trim();
}

const REFLECT_SYSTEM =
  "You review which memory items helped or misled an AI agent on a task, as a reflector does after each attempt.";

/**
 * The reflection prompt (ACE's reflector): the items shown, the task, the executor's solution and whether it was
 * right; the reply tags each item helpful, harmful (wrong, out of date or misleading) or neutral. The tags feed
 * the items' helpful / harmful counters, which the featurizer reads.
 */
export function buildReflectPrompt(
  task: Task,
  reply: string,
  items: readonly LibraryItem[],
  outcome: { success: boolean; detail: string },
): ChatMessage[] {
  return [
    { role: "system", content: REFLECT_SYSTEM },
    {
      role: "user",
      content:
        `${memoryBlock(items)}\n\nTASK:\n${task.prompt}\n\nYOUR SOLUTION:\n${reply.slice(0, 6000)}\n\n` +
        `RESULT: ${outcome.success ? "correct" : `incorrect (${outcome.detail})`}\n\n` +
        `Tag every memory item shown above: helpful (it carried real weight in a correct solution), harmful (it is ` +
        `wrong, out of date or misled the solution) or neutral. Reply with one line per item, in exactly this format:\n` +
        `<item_tags>\nITEM_ID: helpful | harmful | neutral\n</item_tags>`,
    },
  ];
}

export type ItemTag = "helpful" | "harmful" | "neutral";

/**
 * Reads a reflection reply: `id: tag` lines (inside <item_tags> when present; ids may be quoted or bulleted).
 * Only ids in `shown` count, each once (its first tag); anything else is ignored, so a reply that rambles tags
 * nothing rather than something wrong.
 */
export function parseItemTags(reply: string, shown: ReadonlySet<string>): Map<string, ItemTag> {
  const body = tag(reply, "item_tags") ?? reply;
  const tags = new Map<string, ItemTag>();
  for (const line of body.split("\n")) {
    // the last separator before the tag ends the id, so ids may hold colons themselves
    const m = /^\s*(?:[-*]\s+)?(.+)[:=]\s*\**(helpful|harmful|neutral)\b/i.exec(line);
    const id = m?.[1].trim().replace(/^[`"']+|[`"']+$/g, "");
    if (!m || id === undefined || !shown.has(id) || tags.has(id)) continue;
    tags.set(id, m[2].toLowerCase() as ItemTag);
  }
  return tags;
}
