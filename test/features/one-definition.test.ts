/**
 * One feature definition on every path (issue 18): one event history — a small library, six tasks with their
 * outcomes and the items each one had in context, one item authored after a task — goes through endpoint
 * collection (the real harness with a scripted model, then its curation pass), `decide` (the runtime's curator
 * call), the import convention (outcomeStats on a library.jsonl) and replay (stats recomputed from events), and
 * the simulated world (SimItems updated by the world's own bookkeeping, observed by observeWorld). The vectors
 * must be equal. The only tolerance: the world has no text, so the four features it draws from hidden truth
 * instead of computing from text (similarity, near-duplicates, relevance, core share) are not compared for it.
 */
import { describe, expect, it } from "vitest";
import { EndpointHarness, type TaskOutcome } from "../../src/executors/endpoint/harness.js";
import type { ChatClient } from "../../src/executors/endpoint/curation.js";
import type { ChatMessage } from "../../src/executors/endpoint/client.js";
import { curationPass } from "../../src/endpoint-run/pass.js";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { executorObservation } from "../../src/features/executor-stats.js";
import { outcomeStats } from "../../src/import/types.js";
import { stateItems, type ReplayDataset, type ReplayState } from "../../src/eval/replay-load.js";
import { FEATURE_NAMES, NUM_FEATURES } from "../../src/features/featurizer.js";
import { DEFAULT_GOVERNANCE } from "../../src/governance/rules.js";
import { BASELINES } from "../../src/curators/registry.js";
import type { Curator, DecisionBatch } from "../../src/curators/types.js";
import { SkillWorld } from "../../src/world/world.js";
import { resolveWorld } from "../../src/world/presets.js";
import { decisionBatch } from "../../src/world/observe.js";
import { recordOutcome, unusedCounters, type SimItem } from "../../src/world/item.js";
import { foldBudgetUse, foldSuccess } from "../../src/features/executor-stats.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { countTokens } from "../../src/text/tokens.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import type { Task } from "../../src/tasks/task.js";

const BUDGET = 4000;
const EXECUTOR = "exec-a";
const LIBRARY: LibraryItem[] = [
  {
    id: "skills/craftPlanks",
    kind: "skill",
    content: "async function craftPlanks(bot) {\n  await bot.craft('planks', 4);\n}",
  },
  {
    id: "skills/craftTable",
    kind: "skill",
    content: "async function craftTable(bot) {\n  await craftPlanks(bot);\n  await bot.craft('crafting_table', 1);\n}",
  },
  {
    id: "iron-tip",
    kind: "context",
    content: "Iron ore needs a stone pickaxe; smelt iron ore in a furnace with coal.",
  },
  { id: "elided", kind: "context", content: "[Previous memory items about wood remain unchanged]" },
  { id: "generic", kind: "context", content: "Always be careful and think step by step." },
];
const TASKS: Task[] = [
  ["t0", "How many planks does one log craft into?", "4", true],
  ["t1", "Which pickaxe mines iron ore?", "stone", false],
  ["t2", "What fuel smelts iron ore in a furnace?", "coal", true],
  ["t3", "How many planks make a crafting table?", "4", true],
  ["t4", "Where do you smelt iron ore?", "furnace", false],
  ["t5", "Be careful: what does a crafting table need?", "planks", true],
].map(([id, prompt, answer]) => ({
  kind: "answer",
  id: id as string,
  prompt: prompt as string,
  answer: answer as string,
  check: "exact",
}));
const SUCCESS = new Map([
  ["t0", true],
  ["t1", false],
  ["t2", true],
  ["t3", true],
  ["t4", false],
  ["t5", true],
]);
const AUTHORED = "Smelting: 1 coal smelts 8 iron ore in a furnace.";

/** The scripted model: answers each task right or wrong as SUCCESS says; writes one item, after t2. */
const model: ChatClient = {
  async chat(messages: ChatMessage[]) {
    const user = messages[messages.length - 1].content;
    const task = TASKS.find((t) => user.includes(t.prompt))!;
    const authoring = messages[0].content.startsWith("You maintain");
    const text = authoring
      ? task.id === "t2"
        ? `<memory_item><action>add</action><content>${AUTHORED}</content></memory_item>`
        : "NONE"
      : `<answer>${SUCCESS.get(task.id) ? (task as { answer: string }).answer : "no idea"}</answer>`;
    return {
      text,
      usage: { promptTokens: 100, cachedTokens: 0, completionTokens: 10 },
      usageEstimated: false,
      attempts: 1,
    };
  },
};

/** A curator that keeps everything and records the features it was given. */
function spy(): Curator & { seen: Float32Array[] } {
  const none = BASELINES.none.create() as Curator;
  const seen: Float32Array[] = [];
  return {
    ...none,
    seen,
    probs: (b: DecisionBatch) => (
      seen.push(Float32Array.from(b.features.subarray(0, b.rows * NUM_FEATURES))),
      none.probs(b)
    ),
  };
}

/** Runs the history through the real harness; returns its outcomes, final library and curation-pass features. */
async function endpointPath() {
  const harness = new EndpointHarness(
    model,
    { executorName: EXECUTOR, contextBudget: BUDGET },
    { live: LIBRARY, step: 0 },
  );
  const outcomes: TaskOutcome[] = [];
  for (const t of TASKS) outcomes.push(await harness.runTask(t));
  const exec = { successRate: 0.5, budgetUse: 0.5 };
  const stats = executorObservation({
    contextBudget: BUDGET,
    tasks: outcomes.map((o) => ({ success: o.success, contextTokens: o.contextTokens })),
  });
  Object.assign(exec, { successRate: stats.successRate, budgetUse: stats.budgetUse });
  const pass = await curationPass({
    harness,
    profile: {
      name: EXECUTOR,
      endpoint: { baseUrl: "http://127.0.0.1:9/v1", model: "m" },
      contextBudget: BUDGET,
    } as never,
    rewriter: model,
    behavior: BASELINES.none.create() as Curator,
    epsilon: 0,
    governance: DEFAULT_GOVERNANCE,
    seed: 1,
    pass: 0,
    exec,
    uses: {},
    recentTasks: TASKS.map((t) => t.prompt),
  });
  return { outcomes, live: [...harness.live], features: Float32Array.from(pass.record.features) };
}

const executorStatsOf = (outcomes: readonly TaskOutcome[]) =>
  executorObservation({
    contextBudget: BUDGET,
    tasks: outcomes.map((o) => ({ success: o.success, contextTokens: o.contextTokens })),
  });

async function decidePath(
  items: readonly LibraryItem[],
  executorStats: ReturnType<typeof executorStatsOf>,
  now?: number,
): Promise<Float32Array> {
  const c = spy();
  await decideWithCurator(c, "spy", items, undefined, {
    now,
    executorStats,
    executorName: EXECUTOR,
    recentTasks: TASKS.map((t) => t.prompt),
    governance: { ...DEFAULT_GOVERNANCE, maxChangeShare: 1 },
  });
  return c.seen[0];
}

/** What an importer writes for the history: createdAt, last use and outcomeStats over the outcomes in context. */
function importedLibrary(live: readonly LibraryItem[], outcomes: readonly TaskOutcome[]): LibraryItem[] {
  return live.map((it) => {
    const uses = outcomes.filter((o) => o.retrievedIds.includes(it.id));
    return {
      id: it.id,
      kind: it.kind,
      content: it.content,
      ...(it.author ? { author: it.author } : {}),
      stats: {
        createdAt: it.stats!.createdAt,
        lastRetrievedAt: uses.at(-1)?.step ?? null,
        ...outcomeStats(uses.map((o) => o.success)),
        helpful: 0,
        harmful: 0,
        writtenAfterFailure: it.stats!.writtenAfterFailure,
        rewrites: 0,
        compressions: 0,
      },
    };
  });
}

/** The history as an import folder read back by replay, decided in its final state. */
function replayItems(live: readonly LibraryItem[], outcomes: readonly TaskOutcome[]) {
  const items = new Map(
    live.map((it) => [
      it.id,
      {
        id: it.id,
        kind: it.kind,
        content: it.content,
        ...(it.author ? { author: it.author } : {}),
        library: "lib",
        stats: {
          createdAt: it.stats!.createdAt,
          writtenAfterFailure: it.stats!.writtenAfterFailure,
          rewrites: 0,
          compressions: 0,
          helpful: 0,
          harmful: 0,
        },
      } as LibraryItem,
    ]),
  );
  const d: ReplayDataset = {
    dir: "mem",
    format: "dynamic-cheatsheet",
    source: "test",
    items,
    snapshots: [],
    labels: [],
    comparisons: [],
    events: outcomes.map((o) => ({
      library: "lib",
      taskIndex: o.step,
      task: TASKS[o.step].prompt,
      outcome: o.success ? "success" : "failure",
      outcomeBasis: "test",
      itemIds: o.retrievedIds,
      detail: {},
    })),
  };
  const state: ReplayState = {
    library: "lib",
    label: "final",
    itemIds: [...items.keys()],
    scored: [],
    credited: [],
    latest: true,
    evidenceBefore: Number.POSITIVE_INFINITY,
    taskIndex: null,
  };
  return stateItems(d, state);
}

/** The history in SkillWorld: SimItems updated by the world's own bookkeeping, observed as collection observes them. */
function worldFeatures(live: readonly LibraryItem[], outcomes: readonly TaskOutcome[]): Float32Array {
  const profile = { ...EXECUTOR_PRESETS.mid, name: EXECUTOR, contextBudget: BUDGET };
  const w = new SkillWorld(resolveWorld("tiny"), [profile], 1, false);
  const byId = new Map<string, SimItem>();
  w.items = live.map((it, i) => {
    const sim: SimItem = {
      id: i,
      isSkill: it.kind === "skill",
      family: 0,
      actionability: 0.5,
      coreTokens: 10,
      version: 0,
      wrong: false,
      detail: 1,
      placeholder: it.id === "elided",
      shortGeneric: it.id === "generic",
      calls: it.id === "skills/craftTable" ? 0 : -1,
      tokens: countTokens(it.content),
      createdAt: it.stats!.createdAt!,
      author: it.author === EXECUTOR ? 0 : -1,
      ...unusedCounters(0),
      writtenAfterFailure: it.stats!.writtenAfterFailure ?? false,
    };
    byId.set(it.id, sim);
    return sim;
  });
  w.execSuccess[0] = 0.5;
  w.execBudgetUse[0] = 0.5;
  for (const o of outcomes) {
    for (const id of o.retrievedIds) recordOutcome(byId.get(id)!, o.step, o.success);
    w.execSuccess[0] = foldSuccess(w.execSuccess[0], o.success);
    w.execBudgetUse[0] = foldBudgetUse(w.execBudgetUse[0], o.contextTokens, BUDGET);
  }
  w.step = outcomes.length;
  return decisionBatch(w).features;
}

const rows = (f: Float32Array) =>
  Array.from({ length: f.length / NUM_FEATURES }, (_, r) =>
    Object.fromEntries(FEATURE_NAMES.map((n, j) => [n, f[r * NUM_FEATURES + j]])),
  );
const DRAWN_IN_WORLD = new Set([
  "item_max_similarity",
  "item_near_duplicates_log",
  "item_task_relevance",
  "item_core_share",
]);

describe("one feature definition on every path", () => {
  it("endpoint collection, decide, import, replay and the simulated world give the same vectors for one history", async () => {
    const { outcomes, live, features: endpoint } = await endpointPath();
    // the history exercises what it should: an authored item, items in and out of context, both outcomes
    expect(live.map((it) => it.id)).toContain(`${EXECUTOR}-2`);
    expect(live.find((it) => it.id === `${EXECUTOR}-2`)!.stats!.createdAt).toBe(3);
    expect(new Set(outcomes.flatMap((o) => o.retrievedIds)).size).toBeGreaterThan(2);
    expect(outcomes.map((o) => o.success)).toEqual(TASKS.map((t) => SUCCESS.get(t.id)));

    const decide = await decidePath(live, executorStatsOf(outcomes));
    const imported = await decidePath(importedLibrary(live, outcomes), executorStatsOf(outcomes));
    const r = replayItems(live, outcomes);
    expect(r.now).toBe(6);
    expect(r.recentTasks).toEqual(TASKS.map((t) => t.prompt));
    // replay folds the executor's statistics from the logged events (src/eval/replay.ts does exactly this)
    const replay = await decidePath(
      r.items,
      executorObservation({ contextBudget: BUDGET, tasks: r.executorTasks }),
      r.now,
    );
    expect(rows(decide)).toEqual(rows(endpoint));
    expect(rows(imported)).toEqual(rows(endpoint));
    expect(rows(replay)).toEqual(rows(endpoint));

    const world = rows(worldFeatures(live, outcomes));
    const strip = (rs: Record<string, number>[]) =>
      rs.map((x) => Object.fromEntries(Object.entries(x).filter(([k]) => !DRAWN_IN_WORLD.has(k))));
    expect(strip(world)).toEqual(strip(rows(endpoint)));

    // the content features carry what the text says
    const byName = rows(endpoint);
    const at = (id: string) => byName[live.findIndex((it) => it.id === id)];
    expect(at("skills/craftPlanks").item_referenced_by_log).toBeCloseTo(Math.log(2), 6);
    expect(at("elided").item_placeholder).toBe(1);
    expect(at("generic").item_short_generic).toBe(1);
    expect(at("iron-tip").item_task_relevance).toBeGreaterThan(at("generic").item_task_relevance);
    for (const x of byName) expect(x.item_usage_rate).toBeLessThanOrEqual(1);
  });
});
