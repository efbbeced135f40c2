/**
 * The harness's reflection (ACE's reflector): after each task the executor tags the items it was shown helpful,
 * harmful or neutral, and the tags count into the items' helpful / harmful statistics. Against the reference
 * server the tags follow the world's own reflection: wrong and stale items are flagged harmful as often as the
 * executor notices them (its verification rate), current items are credited helpful only after a success.
 */
import { describe, expect, it } from "vitest";
import { EndpointHarness } from "../../src/executors/endpoint/harness.js";
import { parseItemTags } from "../../src/executors/endpoint/prompts.js";
import type { ChatClient } from "../../src/executors/endpoint/curation.js";
import { ReferenceWorld } from "../../src/executors/reference/respond.js";
import { resolveWorld } from "../../src/world/presets.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { loadWorldTasks } from "../../src/tasks/load.js";
import { countTokens } from "../../src/text/tokens.js";
import { procedureKey, renderItem } from "../../src/world/render.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import { CuratorError } from "../../src/errors.js";

describe("parseItemTags", () => {
  const shown = new Set(["a", "b", "ace:12", "c"]);
  it("reads id: tag lines, in a block or bare, with bullets, quotes and ids holding colons", () => {
    const tags = parseItemTags(
      '<item_tags>\n- a: helpful\n"b" = Harmful\nace:12: neutral\n* `c`: **harmful** (stale key)\n</item_tags>',
      shown,
    );
    expect([...tags]).toEqual([
      ["a", "helpful"],
      ["b", "harmful"],
      ["ace:12", "neutral"],
      ["c", "harmful"],
    ]);
  });
  it("ignores ids not shown, repeated ids after the first and rambling text", () => {
    const tags = parseItemTags("x: helpful\na: harmful\na: helpful\nThe items were mostly helpful overall.", shown);
    expect([...tags]).toEqual([["a", "harmful"]]);
    expect(parseItemTags("I cannot tell which notes helped.", shown).size).toBe(0);
  });
});

const SEED = 3;
const cfg = resolveWorld("fast-drift");
const mid = structuredClone(EXECUTOR_PRESETS.mid);
const world = new ReferenceWorld(cfg, mid, SEED);
const tasks = loadWorldTasks(`fast-drift:${SEED}:400`);

/** The reference world as an in-process chat client. */
const client: ChatClient = {
  async chat(messages, opts) {
    const r = world.respond(messages, opts?.n ?? 1);
    const promptTokens = countTokens(messages.map((m) => m.content).join("\n"));
    const completionTokens = countTokens(r.text);
    return {
      text: r.text,
      usage: { promptTokens, cachedTokens: 0, completionTokens },
      usageEstimated: false,
      attempts: 1,
    };
  },
};

/** One item of each kind for every family: current (as of task 0), wrong (a key that is not the procedure's). */
function library(): LibraryItem[] {
  const x = world.stream.task(0);
  const items: LibraryItem[] = [];
  for (let f = 0; f < cfg.families; f++) {
    const v = x.versions[f];
    const content = (key: string, variant: number) =>
      renderItem({ family: f, version: v, key, steps: 9, coreTokens: 120, tokens: 200, variant });
    items.push({ id: `current-${f}`, kind: "context", content: content(world.stream.key(f, v), f) });
    items.push({ id: `wrong-${f}`, kind: "context", content: content(procedureKey(SEED, f, v, 77 + f), 100 + f) });
  }
  return items;
}

async function run(reflection: boolean) {
  const h = new EndpointHarness(
    client,
    { executorName: "ref-mid", contextBudget: 4000, authoring: false, reflection },
    { live: library(), step: 0 },
  );
  const outcomes = [];
  for (const task of tasks.slice(0, 120)) outcomes.push(await h.runTask(task));
  return { outcomes, live: h.live };
}

describe("reflection against the reference server", () => {
  it("flags wrong items harmful at the executor's verification rate and credits current items after successes", async () => {
    const { outcomes, live } = await run(true);
    const stats = (prefix: string) => {
      const items = live.filter((it) => it.id.startsWith(prefix));
      const sum = (k: "helpful" | "harmful" | "timesRetrieved") => items.reduce((s, it) => s + (it.stats?.[k] ?? 0), 0);
      return { helpful: sum("helpful"), harmful: sum("harmful"), shown: sum("timesRetrieved") };
    };
    const wrong = stats("wrong-");
    const current = stats("current-");
    expect(wrong.shown).toBeGreaterThan(50);
    expect(current.shown).toBeGreaterThan(50);
    expect(wrong.helpful).toBe(0);
    // noticed only when relevant, inside the budget and caught (verification 0.3 for mid)
    expect(wrong.harmful).toBeGreaterThan(0);
    expect(wrong.harmful / wrong.shown).toBeLessThan(mid.verification + 0.1);
    // an item current at task 0 is flagged only once its family's procedure has moved on (it is stale)
    const start = world.stream.task(0).versions;
    for (const o of outcomes)
      for (const id of o.reflected?.harmful ?? [])
        if (id.startsWith("current-")) {
          const f = Number(id.slice("current-".length));
          expect(world.stream.task(o.step).versions[f]).toBeGreaterThan(start[f]);
        }
    expect(current.helpful).toBeGreaterThan(0);
    // helpful tags come only after correct answers
    for (const o of outcomes) if (!o.success) expect(o.reflected?.helpful ?? []).toEqual([]);
    // every task with items shown made the call, charged to the task
    for (const o of outcomes)
      if (o.retrievedIds.length) {
        expect(o.usage.reflect).toBeDefined();
        expect(o.promptTokens).toBe(o.usage.answer.promptTokens + o.usage.reflect!.promptTokens);
      }
  });

  it("leaves the counters at zero and makes no reflection call without it", async () => {
    const { outcomes, live } = await run(false);
    expect(live.every((it) => (it.stats?.helpful ?? 0) === 0 && (it.stats?.harmful ?? 0) === 0)).toBe(true);
    expect(outcomes.every((o) => o.usage.reflect === undefined && o.reflected === undefined)).toBe(true);
  });

  it("keeps the task when the reflection call fails", async () => {
    const failing: ChatClient = {
      chat: (messages, opts) =>
        messages[0].content.startsWith("You review")
          ? Promise.reject(new CuratorError("ENDPOINT_ERROR", "server gone"))
          : client.chat(messages, opts),
    };
    const h = new EndpointHarness(
      failing,
      { executorName: "ref-mid", contextBudget: 4000, authoring: false, reflection: true },
      { live: library(), step: 0 },
    );
    const o = await h.runTask(tasks[0]);
    expect(o.retrievedIds.length).toBeGreaterThan(0);
    expect(o.reflectError).toContain("server gone");
    expect(o.usage.reflect).toBeUndefined();
    expect(h.step).toBe(1);
  });
});
