import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { readDataset } from "../../src/data/dataset.js";
import { countTokens } from "../../src/text/tokens.js";
import { DEFAULT_MAX_REPLY_BYTES, EndpointClient } from "../../src/executors/endpoint/client.js";
import { ReplyOverCapError } from "../../src/executors/endpoint/errors.js";
import { EndpointHarness } from "../../src/executors/endpoint/harness.js";
import { parseEndpointProfile } from "../../src/executors/endpoint/profile.js";
import type { Task } from "../../src/tasks/task.js";
import { ScriptedServer, type ChatRequest } from "../helpers/scripted-server.js";

const TASK: Task = { kind: "answer", id: "t0", prompt: "Compute 7^100 mod 13.", answer: "9", check: "exact" };
const servers: ScriptedServer[] = [];
beforeAll(() => void countTokens("warm up the tokenizer"));
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function setup(respond: (req: ChatRequest) => string, block: Record<string, unknown> = {}, usage = true) {
  const s = await ScriptedServer.start({ respond, usage });
  servers.push(s);
  const client = new EndpointClient(
    { baseUrl: s.url, model: "scripted-model", timeoutMs: 20_000, maxRetries: 2, ...block },
    { seed: 1, backoff: { baseMs: 5, maxMs: 20 } },
  );
  return { s, client, harness: new EndpointHarness(client, { executorName: "x", contextBudget: 500 }) };
}

const isAuthoring = (req: ChatRequest) => req.messages[0].content.startsWith("You maintain");

describe("server replies are capped before any processing", () => {
  it("a 2 MB reply without spaces is refused unread: the task fails with the reason, no retry, no authoring call", async () => {
    const huge = "x".repeat(2_000_000);
    const { s, harness } = await setup((req) => (isAuthoring(req) ? "NONE" : huge), {}, false);
    const t0 = performance.now();
    const o = await harness.runTask(TASK);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(o.success).toBe(false);
    expect(o.replyRefused).toMatch(
      /more than 1,048,576 bytes, over endpoint\.maxReplyBytes=1,048,576 \(the default\); the reply was refused before use/,
    );
    expect(o.detail).toMatch(/^reply refused: /);
    expect(s.chatRequests.length).toBe(1);
    // Billed as well as it is known: prompt counted locally, output as the tokens the request allowed.
    expect(o.usage.answer.completionTokens).toBe(2048);
    expect(o.promptTokens).toBeGreaterThan(0);
    expect(DEFAULT_MAX_REPLY_BYTES).toBe(1_048_576);
  });

  it("a reply over the token cap (default 2 × maxTokens) is refused; a raised maxReplyTokens accepts it", async () => {
    const long = "word ".repeat(500);
    const { client } = await setup(() => long, { maxTokens: 100 });
    const e = await client.chat([{ role: "user", content: "hi" }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReplyOverCapError);
    const n = countTokens(long);
    expect((e as Error).message).toContain(
      `a reply of ${n} tokens, over endpoint.maxReplyTokens=200 (default: 2 × maxTokens)`,
    );
    // The server's usage is known here, so it is what the failed call cost.
    expect((e as ReplyOverCapError).usage.completionTokens).toBe(n);

    const { client: raised } = await setup(() => long, { maxTokens: 100, maxReplyTokens: 1000 });
    expect((await raised.chat([{ role: "user", content: "hi" }])).text).toBe(long);
  });

  it("maxReplyBytes is configurable in the profile, and the caps are not applied to replies within them", async () => {
    const reply = "<answer>9</answer> ".repeat(100);
    const { harness } = await setup((req) => (isAuthoring(req) ? "NONE" : reply), { maxReplyBytes: 1000 });
    const o = await harness.runTask(TASK);
    expect(o.replyRefused).toMatch(/over endpoint\.maxReplyBytes=1,000;/);
    const { harness: ok } = await setup((req) => (isAuthoring(req) ? "NONE" : reply), { maxReplyBytes: 100_000 });
    expect((await ok.runTask(TASK)).success).toBe(true);
    const p = parseEndpointProfile({
      name: "p",
      contextBudget: 100,
      endpoint: { baseUrl: "http://127.0.0.1:1/v1", model: "m", maxReplyBytes: 5000, maxReplyTokens: 50 },
    });
    expect(p.endpoint.maxReplyBytes).toBe(5000);
    expect(() =>
      parseEndpointProfile({
        name: "p",
        contextBudget: 100,
        endpoint: { baseUrl: "http://127.0.0.1:1/v1", model: "m", maxReplyBytes: 0 },
      }),
    ).toThrow(/maxReplyBytes/);
  });

  it("collect counts a refused reply as a failed task, logs why, and carries on", async () => {
    const dc = resolve(
      import.meta.dirname,
      "../../../shared/data/real/dynamic_cheatsheet/slim/AIME_2024/gpt-4o_Baseline.jsonl",
    );
    let solves = 0;
    const { s } = await setup(
      (req) => (isAuthoring(req) ? "NONE" : ++solves === 2 ? "=".repeat(1_500_000) : "<answer>0</answer>"),
      {},
      false,
    );
    const dir = mkdtempSync(join(tmpdir(), "curator-reply-cap-"));
    const file = join(dir, "p.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "p",
        contextBudget: 500,
        endpoint: { baseUrl: s.url, model: "scripted-model", timeoutMs: 20_000 },
      }),
    );
    const warnings: string[] = [];
    const summary = await collect(
      {
        executors: file,
        tasksFrom: `dynamic-cheatsheet:${dc}`,
        tasks: 3,
        behavior: "none",
        epsilon: 0,
        seed: 1,
        out: join(dir, "out"),
      },
      { onWarning: (m) => warnings.push(m) },
    );
    expect(summary.tasks).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^stream 0, task 2 \('.+'\): counted as failed: .* over endpoint\.maxReplyBytes=1,048,576 \(the default\)/,
    );
    const d = await readDataset(join(dir, "out"));
    expect(Array.from(d.tasks.success as ArrayLike<unknown>).map(Number)).toEqual([0, 0, 0]);
  });
});
