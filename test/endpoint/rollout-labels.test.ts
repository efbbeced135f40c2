/**
 * `collect --labels rollout` on endpoint executors (issue 17), against the scripted loopback server: the labels
 * are the cf_* columns train --algo bc reads, the manifest counts the extra tasks, pass groups land in the
 * groups table, and faults (429, 5xx, timeouts, drops, a run stopped by a dead endpoint) lose no finished task.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { collect, type CollectOptions } from "../../src/collect/collect.js";
import { readDataset, type Dataset } from "../../src/data/dataset.js";
import { train } from "../../src/train/train.js";
import { loadTasks } from "../../src/tasks/load.js";
import { DECISION_COLUMNS, GROUP_COLUMNS } from "../../src/schemas/dataset.js";
import { ACTIONS } from "../../src/actions.js";
import { CuratorError } from "../../src/errors.js";
import { ScriptedServer, type ChatRequest, type Fault } from "../helpers/scripted-server.js";

const __dirname = dirname(fileURLToPath(import.meta.url));
const DC_FILE = resolve(__dirname, "../../../shared/data/real/dynamic_cheatsheet/slim/AIME_2024/gpt-4o_Baseline.jsonl");
const TASKS_FROM = `dynamic-cheatsheet:${DC_FILE}`;
const TASKS = loadTasks(TASKS_FROM).slice(0, 10);
const root = mkdtempSync(join(tmpdir(), "curator-rollout-endpoint-"));
const servers: ScriptedServer[] = [];

const taskIndex = (user: string) => TASKS.findIndex((t) => user.startsWith(t.prompt, user.indexOf("TASK:\n") + 6));

/**
 * Right on a task unless its index is 1 mod 3, or unless the prompt carries a "Short:" (compressed) item: so
 * compressing changes what follows and the labels differ between actions. No prefix cache: same prompt, same reply.
 */
function respond(req: ChatRequest) {
  const system = req.messages[0].content;
  const user = req.messages[req.messages.length - 1].content;
  const reply = (text: string) => ({ text, cachedTokens: 0 });
  if (system.startsWith("You shorten")) return reply("<content>Short: check the case split.</content>");
  if (system.startsWith("You repair"))
    return reply("<content>Repaired: list the cases, then count each once.</content>");
  const i = taskIndex(user);
  if (system.startsWith("You maintain"))
    return reply(
      `<memory_item><action>add</action><content>Lesson ${i}: ${TASKS[i]?.prompt.slice(0, 160)}</content></memory_item>`,
    );
  const right = i >= 0 && i % 3 !== 1 && !user.includes("Short: check");
  return reply(
    `Working.\nFINAL ANSWER:\n<answer>\n${right ? (TASKS[i] as { answer: string }).answer : "0"}\n</answer>`,
  );
}

async function server(faults: Fault[] = []): Promise<ScriptedServer> {
  const s = await ScriptedServer.start({ respond });
  s.inject(...faults);
  servers.push(s);
  return s;
}
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

let n = 0;
function profile(name: string, baseUrl: string, endpoint: Record<string, unknown> = {}): string {
  const file = join(root, `${name}-${n++}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      endpoint: { baseUrl, model: "scripted-model", timeoutMs: 2000, maxRetries: 4, ...endpoint },
      contextBudget: 4000,
      prices: { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
    }),
  );
  return file;
}

const base = (executors: string, out: string, extra: Partial<CollectOptions> = {}): CollectOptions => ({
  executors,
  tasksFrom: TASKS_FROM,
  tasks: 10,
  behavior: "heuristic",
  epsilon: 0.5,
  seed: 3,
  curationInterval: 3,
  labels: "rollout",
  horizon: 3,
  rolloutItems: 2,
  rolloutGroups: 2,
  out,
  ...extra,
});

const isSolve = (r: { body?: ChatRequest }) => r.body?.messages[0].content.startsWith("You are an expert") === true;

function rows(d: Dataset, table: "decisions" | "groups"): Record<string, unknown>[] {
  const cols = table === "decisions" ? d.decisions : d.groups!;
  const names = (table === "decisions" ? DECISION_COLUMNS : GROUP_COLUMNS).map((c) => c.name);
  return Array.from({ length: cols.stream_id.length }, (_, r) => Object.fromEntries(names.map((k) => [k, cols[k][r]])));
}

describe("collect --labels rollout on an endpoint", () => {
  it("writes cf_* labels at sampled states that train --algo bc accepts, groups, and the extra tasks in the manifest", async () => {
    const s = await server();
    const out = join(root, "labelled");
    const profs = [profile("a", s.url), profile("b", s.url)];
    const summary = await collect(base(profs.join(","), out));
    const ds = await readDataset(out);
    const m = ds.manifests[0];
    expect(m.labels).toBe("rollout");
    expect(m.rollout).toMatchObject({ horizon: 3, items: 2, groups: 2, states: null, budget: null });
    // every solve request beyond the 2 × 10 stream tasks was a rollout task, and the manifest counts them all
    expect(s.chatRequests.filter(isSolve).length - 20).toBe(m.rollout!.extraTasks);
    expect(summary.rolloutTasks).toBe(m.rollout!.extraTasks);
    expect(m.rollout!.labelledStates).toBe(6); // passes after tasks 3, 6, 9 of both streams
    expect(m.rollout!.labelledDecisions).toBe(12);
    expect(m.rollout!.groupMembers).toBe(12);

    const d = rows(ds, "decisions");
    const labelled = d.filter((r) => !Number.isNaN(r.cf_success_keep));
    expect(labelled).toHaveLength(12);
    for (const r of labelled) {
      // keep is the all-keep baseline: whole tasks over the horizon (observed outcomes), at most K = 3
      expect(Number.isInteger(r.cf_success_keep)).toBe(true);
      expect(r.cf_success_keep as number).toBeLessThanOrEqual(Math.min(3, 10 - (r.step as number)));
      for (const a of ACTIONS) if (r[`mask_${a}`]) expect(Number.isFinite(r[`cf_cost_${a}`])).toBe(true);
    }
    // a compress / rewrite label pays for its rewriter call: the actions' labels differ from keep's
    expect(labelled.some((r) => r.mask_compress && r.cf_cost_compress !== r.cf_cost_keep)).toBe(true);
    // unlabelled rows (items not drawn) hold no label
    expect(d.filter((r) => Number.isNaN(r.cf_success_keep)).length).toBe(d.length - 12);

    const g = rows(ds, "groups");
    expect(g.length).toBe(2 * d.length); // G = 2 members, every item of every (labelled) pass
    expect(new Set(g.map((r) => r.group_size))).toEqual(new Set([2]));

    const bc = await train({ data: out, algo: "bc", out: join(root, "bc"), epochs: 2, hidden: [8], seed: 1 });
    expect(bc.trainRows + bc.valRows).toBe(12);
    const gp = await train({
      data: out,
      algo: "grpo-pass",
      out: join(root, "grpo-pass"),
      epochs: 2,
      hidden: [8],
      seed: 1,
    });
    expect(gp.trainRows + gp.valRows).toBe(d.length);
  });

  it("a task budget caps the rollouts; the labels it buys are the unbudgeted run's", async () => {
    const s = await server();
    const full = await readDataset(
      (await collect(base(profile("p", s.url), join(root, "full"), { rolloutGroups: 0 }))).out,
    );
    const t = await server();
    const capped = await readDataset(
      (await collect(base(profile("p", t.url), join(root, "capped"), { rolloutGroups: 0, rolloutBudget: 15 }))).out,
    );
    const spent = capped.manifests[0].rollout!.extraTasks;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(15);
    expect(capped.manifests[0].rollout!.extraTasks).toBeLessThan(full.manifests[0].rollout!.extraTasks);
    const a = rows(full, "decisions");
    const b = rows(capped, "decisions");
    expect(b.length).toBe(a.length);
    b.forEach((r, k) => {
      if (!Number.isNaN(r.cf_success_keep)) expect(r).toEqual(a[k]);
    });
  });

  it("429, 5xx, timeouts and dropped connections during rollouts lose no task: the labels of a clean run", async () => {
    const clean = await server();
    const reference = await readDataset((await collect(base(profile("p", clean.url), join(root, "clean")))).out);
    const calls = clean.chatRequests.length;
    const faults: Fault[] = [
      ...Array.from({ length: 24 }, (): Fault => ({ kind: "none" })),
      { kind: "rate-limit", retryAfter: "0" },
      { kind: "server-error" },
      { kind: "none" },
      { kind: "drop" },
      { kind: "slow", delayMs: 400 },
      { kind: "server-error", status: 503 },
    ];
    const s = await server(faults);
    await collect(base(profile("p", s.url, { timeoutMs: 250 }), join(root, "faulty")));
    expect(s.faults).toHaveLength(0);
    expect(s.chatRequests.length).toBe(calls + 5); // one retry per fault, nothing else sent twice
    const ds = await readDataset(join(root, "faulty"));
    expect(rows(ds, "decisions")).toEqual(rows(reference, "decisions"));
    expect(rows(ds, "groups")).toEqual(rows(reference, "groups"));
  });

  it("a run stopped by a dead endpoint mid-rollout resumes without re-sending a finished task", async () => {
    const clean = await server();
    const reference = await readDataset((await collect(base(profile("p", clean.url), join(root, "clean2")))).out);
    const calls = clean.chatRequests.length;
    // after 30 good calls (inside the first pass's rollouts) the server fails twice in a row: with one retry, fatal
    const s = await server([
      ...Array.from({ length: 30 }, (): Fault => ({ kind: "none" })),
      { kind: "server-error" },
      { kind: "server-error" },
    ]);
    const prof = profile("p", s.url, { maxRetries: 1 });
    const out = join(root, "stopped");
    const e = await collect(base(prof, out)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CuratorError);
    expect((e as CuratorError).message).toMatch(/rollouts are saved in .*--resume/);
    const summary = await collect(base(prof, out, { resume: true }));
    expect(summary.tasks).toBe(10);
    expect(s.chatRequests.length).toBe(calls + 2); // the two failed attempts, and no finished call again
    const ds = await readDataset(out);
    expect(rows(ds, "decisions")).toEqual(rows(reference, "decisions"));
    expect(rows(ds, "groups")).toEqual(rows(reference, "groups"));
  });
});
