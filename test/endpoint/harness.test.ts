import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "../../src/text/tokens.js";
import { EndpointClient } from "../../src/executors/endpoint/client.js";
import { EndpointHarness, type TaskOutcome } from "../../src/executors/endpoint/harness.js";
import { applyCuration, restoreItem } from "../../src/executors/endpoint/curation.js";
import { costOf } from "../../src/executors/endpoint/profile.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import type { Task } from "../../src/tasks/task.js";
import { ScriptedServer, type ChatRequest, type Fault } from "../helpers/scripted-server.js";

const PRICES = { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 };

const TASKS: Task[] = [
  {
    kind: "answer",
    id: "t0",
    prompt: "Compute the remainder of 7^100 mod 13 using modular arithmetic.",
    answer: "9",
    check: "exact",
  },
  {
    kind: "answer",
    id: "t1",
    prompt: "How many rectangles fit in a regular dodecagon using parallel chords?",
    answer: "315",
    check: "exact",
  },
  {
    kind: "answer",
    id: "t2",
    prompt: "Which is a prime?\nOptions:\n(A) 21\n(B) 23\n(C) 25",
    answer: "(B)",
    check: "choice",
  },
  {
    kind: "code",
    id: "t3",
    prompt: "Write a JavaScript function add(a, b) returning the sum.",
    tests: ["assert.equal(add(2, 3), 5)"],
  },
  {
    kind: "answer",
    id: "t4",
    prompt: "Compute 3^50 mod 7 with modular arithmetic and Fermat.",
    answer: "2",
    check: "exact",
  },
];

/** The scripted executor: answers t0, t2, t3, t4 right and t1 wrong; writes one item per task; updates an item on t4. */
function respond(req: ChatRequest): string {
  const system = req.messages[0].content;
  const user = req.messages[req.messages.length - 1].content;
  const task = user.slice(user.indexOf("TASK:\n"));
  if (system.startsWith("You shorten")) return "<content>Modular: use Fermat.</content>";
  if (system.startsWith("You repair"))
    return "<content>Rectangles in a 12-gon: count pairs of perpendicular chord directions.</content>";
  if (system.startsWith("You maintain")) {
    if (user.includes("3^50")) {
      const id = /<memory_item id="([^"]+)">/.exec(user)?.[1];
      return `<memory_item><action>update</action><target>${id}</target><content>Modular arithmetic: reduce exponents with Fermat's little theorem (a^(p-1) = 1 mod p).</content></memory_item>`;
    }
    if (task.includes("add(a, b)"))
      return "<memory_item><action>add</action><content>JavaScript: define functions at top level.\n```js\nfunction add(a, b) { return a + b; }\n```</content></memory_item>";
    if (task.includes("prime")) return "NONE";
    return `<memory_item><action>add</action><content>Insight about: ${user.slice(user.indexOf("TASK:") + 6, user.indexOf("TASK:") + 60)}</content></memory_item>`;
  }
  if (task.includes("7^100")) return "Reasoning...\nFINAL ANSWER:\n<answer>\n9\n</answer>";
  if (task.includes("dodecagon")) return "FINAL ANSWER:\n<answer>\n264\n</answer>";
  if (task.includes("prime")) return "23 is prime. FINAL ANSWER: <answer>(B)</answer>";
  if (task.includes("add(a, b)")) return "```javascript\nfunction add(a, b) { return a + b; }\n```";
  if (task.includes("3^50")) return "<answer>2</answer>";
  return "I don't know";
}

const LIBRARY: LibraryItem[] = [
  {
    id: "seed-mod",
    kind: "context",
    content:
      "Modular arithmetic: for a^n mod m, reduce the exponent first, then use repeated squaring to get the remainder.",
  },
  {
    id: "seed-geo",
    kind: "context",
    content: "Rectangles in a regular polygon: count pairs of parallel chords, then pairs of perpendicular directions.",
  },
  { id: "seed-pin", kind: "context", content: "Always state the final answer in the requested format.", pinned: true },
];

const servers: ScriptedServer[] = [];
beforeAll(() => void countTokens("warm up the tokenizer"));
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function setup(faults: Fault[] = []) {
  const s = await ScriptedServer.start({ respond });
  servers.push(s);
  s.inject(...faults);
  const client = new EndpointClient(
    { baseUrl: s.url, model: "scripted-model", timeoutMs: 200, maxRetries: 3, concurrency: 2 },
    { seed: 7, backoff: { baseMs: 5, maxMs: 20 } },
  );
  const harness = new EndpointHarness(
    client,
    { executorName: "qwen-local", contextBudget: 2000, prices: PRICES },
    { live: LIBRARY },
  );
  return { s, client, harness };
}

async function runAll(h: EndpointHarness): Promise<TaskOutcome[]> {
  const out: TaskOutcome[] = [];
  for (const t of TASKS) out.push(await h.runTask(t));
  return out;
}

describe("EndpointHarness over 5 scripted tasks", () => {
  it("checks answers, updates item stats and writes memory items", async () => {
    const { harness } = await setup();
    const out = await runAll(harness);
    expect(out.map((o) => o.step)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((o) => o.success)).toEqual([true, false, true, true, true]);
    expect(out[3].detail).toBe("1/1 tests passed");

    const byId = new Map(harness.live.map((it) => [it.id, it]));
    const mod = byId.get("seed-mod")!;
    expect(out[0].retrievedIds[0]).toBe("seed-mod");
    expect(mod.stats).toMatchObject({
      timesRetrieved: 2,
      successes: 2,
      failures: 0,
      lastRetrievedAt: 4,
      recentSuccesses: 2,
    });
    const geo = byId.get("seed-geo")!;
    expect(out[1].retrievedIds[0]).toBe("seed-geo");
    expect(geo.stats).toMatchObject({ failures: 1, recentFailures: 1, lastRetrievedAt: 1 });

    expect(out.map((o) => o.authored)).toEqual(["add", "add", "none", "add", "update"]);
    const authoredIds = harness.live.filter((it) => it.author === "qwen-local").map((it) => it.id);
    expect(authoredIds).toEqual(
      expect.arrayContaining(["qwen-local-0", "qwen-local-1", "qwen-local-3", out[4].authoredItemId]),
    );
    expect(out[4].retrievedIds).toContain(out[4].authoredItemId);
    expect(byId.get("qwen-local-1")!.stats).toMatchObject({ createdAt: 2, timesRetrieved: expect.any(Number) });
    expect(byId.get("qwen-local-3")!.kind).toBe("skill");
    const updated = byId.get(out[4].authoredItemId!)!;
    expect(updated.content).toContain("Fermat's little theorem");
    expect(harness.step).toBe(5);
    expect(out[4].librarySize).toBe(harness.live.length);
  });

  it("accounts tokens and cost from server usage, cached tokens at the cache-read price", async () => {
    const { harness } = await setup();
    const out = await runAll(harness);
    for (const o of out) {
      const calls = [o.usage.answer, ...(o.usage.author ? [o.usage.author] : [])];
      expect(o.cost).toBeCloseTo(
        calls.reduce((s, u) => s + costOf(u, PRICES), 0),
        12,
      );
      expect(o.promptTokens + o.cachedTokens).toBe(calls.reduce((s, u) => s + u.promptTokens, 0));
      expect(o.outputTokens).toBe(calls.reduce((s, u) => s + u.completionTokens, 0));
    }
    expect(out.slice(1).some((o) => o.cachedTokens > 0)).toBe(true);
  });

  it("completes every task through 429, 500, a timeout, a non-JSON body and a dropped connection", async () => {
    const faults: Fault[] = [
      { kind: "rate-limit", retryAfter: "0" },
      { kind: "none" },
      { kind: "server-error" },
      { kind: "slow", delayMs: 500 },
      { kind: "none" },
      { kind: "non-json" },
      { kind: "drop" },
      { kind: "none" },
      { kind: "server-error", status: 502 },
    ];
    const { s, harness } = await setup(faults);
    const out = await runAll(harness);
    expect(out.map((o) => o.success)).toEqual([true, false, true, true, true]);
    expect(out.every((o) => o.authorError === undefined)).toBe(true);
    expect(s.chatRequests.length).toBeGreaterThanOrEqual(10 + faults.filter((f) => f.kind !== "none").length);
  });

  it("keeps a finished task when the authoring call fails for good", async () => {
    const { harness } = await setup([
      { kind: "none" },
      ...Array.from({ length: 4 }, (): Fault => ({ kind: "server-error" })),
    ]);
    const o = await harness.runTask(TASKS[0]);
    expect(o.success).toBe(true);
    expect(o.authored).toBe("none");
    expect(o.authorError).toMatch(/after 4 attempts/);
    expect(harness.step).toBe(1);
  });

  it("puts the API key in no outcome, snapshot or curation result", async () => {
    const KEY = "sk-harness-never-written-5521";
    const s = await ScriptedServer.start({ respond });
    servers.push(s);
    s.inject({ kind: "none" }, { kind: "unauthorized", message: `bad key ${KEY}` });
    const client = new EndpointClient(
      { baseUrl: s.url, model: "scripted-model", apiKeyEnv: "HARNESS_KEY", timeoutMs: 200, maxRetries: 1 },
      { backoff: { baseMs: 5, maxMs: 20 }, env: { HARNESS_KEY: KEY } },
    );
    const h = new EndpointHarness(client, { executorName: "x", contextBudget: 2000 }, { live: LIBRARY });
    const out = [];
    for (const t of TASKS) out.push(await h.runTask(t));
    const cur = await h.curate([{ itemId: "seed-geo", action: "rewrite" }]);
    expect(out[0].authorError).toContain("[redacted]");
    expect(JSON.stringify({ out, snap: h.snapshot(), cur })).not.toContain(KEY);
    expect(s.chatRequests[0].authorization).toBe(`Bearer ${KEY}`);
  });

  it("resumes from a snapshot with the same library and step", async () => {
    const { client, harness } = await setup();
    await harness.runTask(TASKS[0]);
    await harness.runTask(TASKS[1]);
    const snap = JSON.parse(JSON.stringify(harness.snapshot()));
    const again = new EndpointHarness(
      client,
      { executorName: "qwen-local", contextBudget: 2000, prices: PRICES },
      snap,
    );
    const o = await again.runTask(TASKS[2]);
    expect(o.step).toBe(2);
    expect(again.live.find((it) => it.id === "seed-mod")!.stats!.timesRetrieved).toBe(1);
  });
});

describe("curation through an LLM call", () => {
  it("compresses, rewrites and retires (to the archive), leaving pinned items live", async () => {
    const { client, harness } = await setup();
    await runAll(harness);
    const before = new Map(harness.live.map((it) => [it.id, it]));
    const res = await harness.curate(
      [
        { itemId: "seed-mod", action: "compress" },
        { itemId: "seed-geo", action: "rewrite" },
        { itemId: "qwen-local-0", action: "retire" },
        { itemId: "seed-pin", action: "retire" },
        { itemId: "qwen-local-3", action: "keep" },
        { itemId: "ghost", action: "retire" },
      ],
      client,
    );
    const live = new Map(harness.live.map((it) => [it.id, it]));
    expect(live.get("seed-mod")!.content).toBe("Modular: use Fermat.");
    expect(live.get("seed-mod")!.stats!.compressions).toBe(1);
    expect(live.get("seed-mod")!.tokens!).toBeLessThan(before.get("seed-mod")!.tokens!);
    expect(live.get("seed-geo")!.content).toContain("perpendicular chord directions");
    expect(live.get("seed-geo")!.stats).toMatchObject({
      rewrites: 1,
      recentFailures: 0,
      failures: 0,
      timesRetrieved: 1,
    });
    expect(live.has("qwen-local-0")).toBe(false);
    expect(harness.archive.map((a) => [a.item.id, a.retiredAt])).toEqual([["qwen-local-0", 5]]);
    expect(live.has("seed-pin")).toBe(true);
    expect(res.skipped.map((x) => x.itemId)).toEqual(["seed-pin", "ghost"]);
    expect(res.calls.map((c) => [c.itemId, c.action, c.ok])).toEqual([
      ["seed-mod", "compress", true],
      ["seed-geo", "rewrite", true],
    ]);
    expect(res.cost).toBeCloseTo(
      res.calls.reduce((s, c) => s + costOf(c.usage, PRICES), 0),
      12,
    );
    const restored = restoreItem({ live: [...harness.live], archive: [...harness.archive] }, "qwen-local-0");
    expect(restored.live.some((it) => it.id === "qwen-local-0")).toBe(true);
    expect(restored.archive).toHaveLength(0);
  });

  it("a failed or unusable call leaves the item unchanged and is reported, not thrown", async () => {
    const lib = { live: [{ id: "a", kind: "context" as const, content: "short" }], archive: [] };
    const failing = { chat: async () => Promise.reject(new Error("boom")) };
    const r = await applyCuration(lib, [{ itemId: "a", action: "rewrite" }], failing, { step: 3 });
    expect(r.live[0].content).toBe("short");
    expect(r.calls[0]).toMatchObject({ ok: false, error: "boom", cost: 0 });
    const verbose = {
      chat: async () => ({
        text: "<content>a much longer text than before</content>",
        usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 8 },
        usageEstimated: false,
        attempts: 1,
      }),
    };
    const r2 = await applyCuration(lib, [{ itemId: "a", action: "compress" }], verbose, { step: 3 });
    expect(r2.live[0].content).toBe("short");
    expect(r2.calls[0].ok).toBe(false);
    expect(r2.calls[0].cost).toBeGreaterThan(0);
    expect(lib.live[0].content).toBe("short");
  });
});
