import { describe, expect, it } from "vitest";
import { parseAuthoredItem, parseContentReply } from "../../src/executors/endpoint/prompts.js";
import { EndpointProfileSchema, costOf, parseEndpointProfile } from "../../src/executors/endpoint/profile.js";
import { parseRetryAfter, Semaphore } from "../../src/executors/endpoint/retry.js";

describe("authoring replies are parsed robustly", () => {
  it("reads the tagged format", () => {
    expect(
      parseAuthoredItem("<memory_item>\n<action>add</action>\n<content>\nUse Vieta.\n</content>\n</memory_item>"),
    ).toEqual({
      action: "add",
      content: "Use Vieta.",
    });
    expect(
      parseAuthoredItem(
        "<memory_item><action>update</action><target>m-3</target><content>Fixed.</content></memory_item>",
      ),
    ).toEqual({
      action: "update",
      target: "m-3",
      content: "Fixed.",
    });
  });

  it("tolerates missing tags, odd casing, fences and chatter", () => {
    expect(parseAuthoredItem("Sure! <memory_item><action> ADD </action><content>Tip</content>")).toEqual({
      action: "add",
      content: "Tip",
    });
    expect(parseAuthoredItem("<action>none</action>")).toEqual({ action: "none", content: "" });
    expect(parseAuthoredItem("NONE")).toEqual({ action: "none", content: "" });
    expect(parseAuthoredItem("Check parity before brute force.")).toEqual({
      action: "add",
      content: "Check parity before brute force.",
    });
    expect(
      parseAuthoredItem("<memory_item><action>update</action><content>no target given</content></memory_item>").action,
    ).toBe("add");
    expect(parseAuthoredItem("<content>\n```\nconst x = 1;\n```\n</content>").content).toBe("const x = 1;");
    expect(parseAuthoredItem("<memory_item>\n<action>add</action>\nUse the shoelace formula.\n</memory_item>")).toEqual(
      {
        action: "add",
        content: "Use the shoelace formula.",
      },
    );
  });

  it("reads compress / rewrite replies", () => {
    expect(parseContentReply("Here: <content>short</content> done")).toBe("short");
    expect(parseContentReply("just text")).toBe("just text");
  });
});

describe("endpoint profiles", () => {
  const ok = {
    name: "local",
    endpoint: { baseUrl: "http://127.0.0.1:8000/v1", model: "qwen3-8b", apiKeyEnv: "OPENAI_API_KEY" },
    contextBudget: 8000,
  };

  it("accepts the issue's example and fills defaults", () => {
    const p = parseEndpointProfile(ok);
    expect(p.endpoint).toMatchObject({ timeoutMs: 60_000, maxRetries: 5, concurrency: 4 });
    expect(EndpointProfileSchema.safeParse({ ...ok, rewriter: { baseUrl: "http://h/v1", model: "m" } }).success).toBe(
      true,
    );
  });

  it("refuses unknown fields by name, and a key pasted where the variable name goes", () => {
    expect(() => parseEndpointProfile({ ...ok, endpoint: { ...ok.endpoint, baseURL: "x" } })).toThrow(/baseURL/);
    expect(() => parseEndpointProfile({ ...ok, budget: 1 })).toThrow(/budget/);
    let msg = "";
    try {
      parseEndpointProfile({ ...ok, endpoint: { ...ok.endpoint, apiKeyEnv: "sk-abc-123" } });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/endpoint\.apiKeyEnv: must be an environment variable NAME/);
  });

  it("prices cached prompt tokens at the cache-read price", () => {
    const prices = { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 };
    expect(costOf({ promptTokens: 1_000_000, cachedTokens: 400_000, completionTokens: 100_000 }, prices)).toBeCloseTo(
      1.2 + 0.2 + 0.8,
      10,
    );
  });
});

describe("retry helpers", () => {
  it("parses Retry-After as seconds, an HTTP date, or retry-after-ms", () => {
    const h = (m: Record<string, string>) => (n: string) => m[n];
    expect(parseRetryAfter(h({ "retry-after": "2" }))).toBe(2000);
    expect(parseRetryAfter(h({ "retry-after-ms": "150", "retry-after": "9" }))).toBe(150);
    expect(
      parseRetryAfter(
        h({ "retry-after": "Wed, 21 Oct 2015 07:28:05 GMT" }),
        Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"),
      ),
    ).toBe(5000);
    expect(parseRetryAfter(h({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
  });

  it("the semaphore never exceeds its limit", async () => {
    const sem = new Semaphore(3);
    let now = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sem.run(async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 2));
          now--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(sem.inFlight).toBe(0);
  });
});
