/**
 * apply-pending: the compress / rewrite marks of a decide output folder are applied through an
 * OpenAI-compatible endpoint (the scripted server), each application is one verified audit line, marks clear;
 * a failed or unusable call leaves its item and mark untouched.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedServer } from "../helpers/scripted-server.js";
import { runCliJson } from "../helpers/run-cli.js";
import { writePass } from "../../src/library/apply.js";
import { applyPending } from "../../src/library/pending.js";
import { readLibraryFile, type LiveItem } from "../../src/library/io.js";
import { verifyFolder } from "../../src/library/verify.js";
import type { Action } from "../../src/actions.js";
import type { Decision } from "../../src/runtime/decide.js";

const LONG =
  "When a deploy fails, always retry it with exponential backoff and jitter, and also remember to check the logs, and also check the logs again, and also check the dashboards, and then retry again, carefully, slowly, and with patience.";
const items: LiveItem[] = [
  { id: "a", kind: "context", content: LONG, stats: { createdAt: 0, compressions: 0 } },
  {
    id: "b",
    kind: "context",
    content: "Use API v1 for payments.",
    stats: { createdAt: 0, rewrites: 0, timesRetrieved: 4, failures: 4 },
  },
  { id: "c", kind: "context", content: "Keep me as I am." },
  { id: "d", kind: "context", content: "Short." },
];
const ACTIONS: Action[] = ["compress", "rewrite", "keep", "compress"];

let server: ScriptedServer;
beforeAll(async () => {
  server = await ScriptedServer.start({
    respond: (req) => {
      const prompt = req.messages.at(-1)!.content;
      if (prompt.includes("Short."))
        return "<content>This reply is much longer than the item it should shorten.</content>";
      if (prompt.includes("API v1")) return "<content>Use API v2 for payments (v1 was removed).</content>";
      return "<content>Retry failed deploys with backoff and jitter; check the logs.</content>";
    },
  });
});
afterAll(async () => server.close());

async function decideFolder(): Promise<{ dir: string; profile: string }> {
  const base = mkdtempSync(join(tmpdir(), "pending-"));
  const decisions: Decision[] = items.map((it, r) => ({
    id: it.id,
    action: ACTIONS[r],
    probs: { keep: 0.1, compress: 0.3, rewrite: 0.3, retire: 0.3 },
    allowed: ["keep", "compress", "rewrite", "retire"],
    reason: "test",
  }));
  const dir = join(base, "curated");
  const pass = { items, decisions, head: null, curator: "test", modelHash: "h", time: new Date(0).toISOString() };
  await writePass(dir, null, pass, null);
  const profile = join(base, "endpoint.json");
  writeFileSync(
    profile,
    JSON.stringify({
      name: "scripted",
      endpoint: { baseUrl: server.url, model: "scripted-model", maxRetries: 0 },
      contextBudget: 4000,
    }),
  );
  return { dir, profile };
}

describe("apply-pending", () => {
  it("applies marks through the endpoint, records each in the audit log and clears the mark", async () => {
    const { dir, profile } = await decideFolder();
    const r = await applyPending({ from: dir, profile, clock: () => new Date(1000) });
    expect(r.pending).toBe(3);
    expect(r.applied.map((a) => [a.id, a.action])).toEqual([
      ["a", "compress"],
      ["b", "rewrite"],
    ]);
    expect(r.failed).toEqual([{ id: "d", action: "compress", error: "reply was not shorter than the item" }]);
    const live = readLibraryFile(join(dir, "library.jsonl"));
    const byId = new Map(live.map((it) => [it.id, it]));
    expect(byId.get("a")).toMatchObject({
      content: "Retry failed deploys with backoff and jitter; check the logs.",
      stats: { compressions: 1 },
    });
    expect(byId.get("a")!.pending).toBeUndefined();
    expect(byId.get("b")).toMatchObject({
      content: "Use API v2 for payments (v1 was removed).",
      stats: { rewrites: 1 },
    });
    expect(byId.get("b")!.pending).toBeUndefined();
    expect(byId.get("c")).toEqual(items[2]);
    expect(byId.get("d")).toEqual({ ...items[3], pending: "compress" });
    expect(live.map((it) => it.id)).toEqual(["a", "b", "c", "d"]);

    const audit = readFileSync(join(dir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(audit).toHaveLength(7); // 4 decisions + the pass line + 2 applications
    expect(audit[4].action).toBe("pass");
    expect(audit.slice(5).map((e) => [e.itemId, e.action, e.curator])).toEqual([
      ["a", "compress", `apply-pending:scripted-model@${server.url}`],
      ["b", "rewrite", `apply-pending:scripted-model@${server.url}`],
    ]);
    expect(audit[5].reason).toMatch(
      /applied pending compress .*: \d+ → \d+ tokens; content sha256 [0-9a-f]{12} → [0-9a-f]{12}/,
    );
    expect(verifyFolder(dir)).toMatchObject({ lines: 7, live: 4, archived: 0 });

    // The CLI on the same folder: only the failed mark is left, and it fails again without touching anything.
    const again = await runCliJson<{ pending: number; applied: unknown[]; auditLines: number }>([
      "apply-pending",
      "--from",
      dir,
      "--endpoint",
      profile,
      "--json",
    ]);
    expect(again).toMatchObject({ pending: 1, applied: [], auditLines: 7 });
    expect(verifyFolder(dir)).toMatchObject({ lines: 7, live: 4, archived: 0 });
  });

  it("refuses an unknown --only id and a folder whose audit chain was edited, changing nothing", async () => {
    const { dir, profile } = await decideFolder();
    await expect(applyPending({ from: dir, profile, only: ["c"] })).rejects.toThrow(/No pending item with id 'c'/);
    const log = join(dir, "audit.jsonl");
    const text = readFileSync(log, "utf8");
    writeFileSync(log, text.replace('"reason":"test"', '"reason":"edited"'));
    const before = readFileSync(join(dir, "library.jsonl"), "utf8");
    await expect(applyPending({ from: dir, profile })).rejects.toMatchObject({ code: "TAMPERED" });
    expect(readFileSync(join(dir, "library.jsonl"), "utf8")).toBe(before);
  });
});
