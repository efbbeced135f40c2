import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer as createTcpServer, type Socket } from "node:net";
import { EndpointClient } from "../../src/executors/endpoint/client.js";
import { isCuratorError, type CuratorError } from "../../src/errors.js";
import { ScriptedServer, closedPort, type Fault } from "../helpers/scripted-server.js";
import { countTokens } from "../../src/text/tokens.js";

const FAST = { baseMs: 10, maxMs: 40 };
const KEY_ENV = "CURATOR_TEST_ENDPOINT_KEY";
const KEY = "sk-test-5ecret-d0-not-leak-8472";
const servers: ScriptedServer[] = [];

async function server(opts: Parameters<typeof ScriptedServer.start>[0] = {}): Promise<ScriptedServer> {
  const s = await ScriptedServer.start(opts);
  servers.push(s);
  return s;
}
// the scripted server counts tokens in this process: load the BPE tables before timing-sensitive tests
beforeAll(() => void countTokens("warm up the tokenizer"));
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

function client(url: string, extra: Record<string, unknown> = {}) {
  return new EndpointClient(
    { baseUrl: url, model: "scripted-model", apiKeyEnv: KEY_ENV, timeoutMs: 200, maxRetries: 3, ...extra },
    { seed: 1, backoff: FAST, env: { [KEY_ENV]: KEY } },
  );
}

async function caught(p: Promise<unknown>): Promise<CuratorError> {
  try {
    await p;
  } catch (e) {
    if (isCuratorError(e)) return e;
    throw e;
  }
  throw new Error("expected a CuratorError");
}

function expectNoKey(e: unknown) {
  const all = `${String(e)} ${(e as Error).message} ${(e as Error).stack ?? ""} ${JSON.stringify(e)}`;
  expect(all).not.toContain(KEY);
}

describe("EndpointClient", () => {
  it("returns the reply text and usage with cached prompt tokens, sending the key from the named env var", async () => {
    const s = await server({ respond: () => ({ text: "hello", cachedTokens: 7 }) });
    const r = await client(s.url).chat([{ role: "user", content: "say hello" }]);
    expect(r.text).toBe("hello");
    expect(r.usage.cachedTokens).toBe(7);
    expect(r.usage.promptTokens).toBeGreaterThan(7);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    expect(r.usageEstimated).toBe(false);
    expect(s.chatRequests[0].authorization).toBe(`Bearer ${KEY}`);
  });

  it("counts tokens locally when the server sends no usage, and cached tokens default to 0", async () => {
    const s = await server({ usage: false, respond: () => "four score and seven" });
    const r = await client(s.url).chat([{ role: "user", content: "q" }]);
    expect(r.usageEstimated).toBe(true);
    expect(r.usage.cachedTokens).toBe(0);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
  });

  const faults: Array<[string, Fault, string]> = [
    ["429 without Retry-After", { kind: "rate-limit" }, "rate-limit"],
    ["500", { kind: "server-error" }, "server"],
    ["503", { kind: "server-error", status: 503 }, "server"],
    ["a reply slower than the timeout", { kind: "slow", delayMs: 600 }, "timeout"],
    ["a body that stalls past the timeout", { kind: "slow-body", delayMs: 600 }, "timeout"],
    ["a non-JSON body (text/html)", { kind: "non-json" }, "bad-body"],
    ["a non-JSON body labelled application/json", { kind: "non-json", contentType: "application/json" }, "bad-body"],
    ["a dropped connection", { kind: "drop" }, "connection"],
  ];
  for (const [name, fault, kind] of faults) {
    it(`retries ${name} and completes`, async () => {
      const s = await server({ respond: () => "fine" });
      s.inject(fault);
      const retries: string[] = [];
      const c = new EndpointClient(
        { baseUrl: s.url, model: "scripted-model", timeoutMs: 200, maxRetries: 3 },
        { seed: 1, backoff: FAST, onRetry: (e) => retries.push(e.kind) },
      );
      const r = await c.chat([{ role: "user", content: "q" }]);
      expect(r.text).toBe("fine");
      // the injected fault costs exactly one retry (a loaded CI machine may add a timeout retry after it)
      expect(retries[0]).toBe(kind);
      expect(r.attempts).toBe(retries.length + 1);
      expect(s.chatRequests).toHaveLength(r.attempts);
    });
  }

  it("honours Retry-After in seconds", async () => {
    const s = await server();
    s.inject({ kind: "rate-limit", retryAfter: "1" });
    const t0 = Date.now();
    await client(s.url).chat([{ role: "user", content: "q" }]);
    const gap = s.chatRequests[1].at - s.chatRequests[0].at;
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const s = await server();
    const when = new Date(Date.now() + 2000);
    s.inject({ kind: "rate-limit", retryAfter: when.toUTCString() });
    await client(s.url).chat([{ role: "user", content: "q" }]);
    const target = Math.floor(when.getTime() / 1000) * 1000; // HTTP dates have whole seconds
    expect(s.chatRequests[1].at).toBeGreaterThanOrEqual(target - 5);
  });

  it("honours retry-after-ms", async () => {
    const s = await server();
    s.inject({ kind: "rate-limit", retryAfterMs: "300" });
    await client(s.url).chat([{ role: "user", content: "q" }]);
    expect(s.chatRequests[1].at - s.chatRequests[0].at).toBeGreaterThanOrEqual(300);
  });

  it("gives up after maxRetries with a clear ENDPOINT_ERROR", async () => {
    const s = await server();
    s.inject(...Array.from({ length: 5 }, (): Fault => ({ kind: "server-error" })));
    const e = await caught(client(s.url, { maxRetries: 2 }).chat([{ role: "user", content: "q" }]));
    expect(e.code).toBe("ENDPOINT_ERROR");
    expect(e.message).toMatch(/after 3 attempts/);
    expect(e.message).toContain("HTTP 500");
    expect(s.chatRequests).toHaveLength(3);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    const s = await server();
    s.inject(...Array.from({ length: 8 }, (): Fault => ({ kind: "slow", delayMs: 40 })));
    const c = client(s.url, { concurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, () => c.chat([{ role: "user", content: "q" }])));
    expect(s.maxInFlight).toBe(2);
  });

  it("probe: an unreachable endpoint is a clear ENDPOINT_ERROR within the timeout", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/v1`;
    const t0 = Date.now();
    const e = await caught(client(url).probe());
    expect(Date.now() - t0).toBeLessThan(200 + 150);
    expect(e.code).toBe("ENDPOINT_ERROR");
    expect(e.message).toContain(`cannot reach ${url}: connection refused — is the server running?`);
    expectNoKey(e);
  });

  it("probe: a server that accepts but never answers fails within the timeout", async () => {
    const held: Socket[] = [];
    const tcp = createTcpServer((sock) => void held.push(sock));
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const port = (tcp.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      const e = await caught(client(`http://127.0.0.1:${port}/v1`).probe());
      expect(Date.now() - t0).toBeLessThan(200 + 300);
      expect(e.message).toContain("did not reply within endpoint.timeoutMs=200 ms");
    } finally {
      held.forEach((s) => s.destroy());
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });

  it("chat against a closed port fails with the same message after its retries", async () => {
    const port = await closedPort();
    const e = await caught(
      client(`http://127.0.0.1:${port}/v1`, { maxRetries: 1 }).chat([{ role: "user", content: "q" }]),
    );
    expect(e.message).toMatch(/connection refused — is the server running\?/);
  });

  it("probe: a wrong model name lists the models the server has", async () => {
    const s = await server({ models: ["qwen3-8b", "llama-3.1-8b"] });
    const e = await caught(client(s.url, { model: "qwen3-8B-typo" }).probe());
    expect(e.code).toBe("ENDPOINT_ERROR");
    expect(e.message).toContain("does not serve model 'qwen3-8B-typo'");
    expect(e.message).toContain("Available models: qwen3-8b, llama-3.1-8b");
    expect(e.message).toContain("Fix endpoint.model");
  });

  it("chat: a wrong model is not retried and names the available models", async () => {
    const s = await server({ models: ["qwen3-8b"] });
    const e = await caught(client(s.url, { model: "nope" }).chat([{ role: "user", content: "q" }]));
    expect(e.message).toMatch(/does not serve model 'nope'.*Available models: qwen3-8b/);
    expect(s.chatRequests).toHaveLength(1);
  });

  it("probe: without GET /models it confirms the model with a 1-token completion", async () => {
    const s = await server({ modelsRoute: false });
    const r = await client(s.url).probe();
    expect(r.via).toBe("completion");
    expect(s.chatRequests[0].body?.max_tokens).toBe(1);
    const bad = await caught(client(s.url, { model: "other" }).probe());
    expect(bad.message).toContain("does not serve model 'other'");
  });

  it("probe: a listed model is confirmed from GET /models alone", async () => {
    const s = await server();
    const r = await client(s.url).probe();
    expect(r).toEqual({ models: ["scripted-model"], via: "models" });
    expect(s.chatRequests).toHaveLength(0);
  });

  it("never puts the API key in an error, even when the server echoes it", async () => {
    const s = await server();
    s.inject({ kind: "unauthorized", message: `Incorrect API key provided: ${KEY}.` });
    const e = await caught(client(s.url).chat([{ role: "user", content: "q" }]));
    expect(e.message).toContain(`$${KEY_ENV}`);
    expect(e.message).toContain("[redacted]");
    expectNoKey(e);
    const s2 = await server({ models: ["m"] });
    expectNoKey(await caught(client(s2.url, { model: "x" }).probe()));
    s2.inject(...Array.from({ length: 4 }, (): Fault => ({ kind: "server-error" })));
    expectNoKey(await caught(client(s2.url, { model: "m" }).chat([{ role: "user", content: KEY }])));
  });

  it("names the missing environment variable, not a value", () => {
    let err: unknown;
    try {
      new EndpointClient(
        { baseUrl: "http://127.0.0.1:1/v1", model: "m", apiKeyEnv: "NOT_SET_ANYWHERE_XYZ" },
        { env: {} },
      );
    } catch (e) {
      err = e;
    }
    expect(isCuratorError(err) && err.code).toBe("ENDPOINT_ERROR");
    expect((err as Error).message).toContain("NOT_SET_ANYWHERE_XYZ");
  });
});
