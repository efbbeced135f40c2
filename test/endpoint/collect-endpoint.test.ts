/**
 * `curator collect` against real (here: scripted, loopback) OpenAI-compatible endpoints over a real task stream
 * (issue 9): the dataset is the simulated collector's format and `train --algo awr` reads it; the API key is in
 * no file the run writes; an unreachable endpoint fails before anything is written; faults lose no task; a
 * killed run resumes without redoing finished tasks and ends with the rows of an uninterrupted run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collect, type CollectOptions } from "../../src/collect/collect.js";
import { readDataset, type Dataset } from "../../src/data/dataset.js";
import { train } from "../../src/train/train.js";
import { loadTasks } from "../../src/tasks/load.js";
import { DECISION_COLUMNS, TASK_COLUMNS } from "../../src/schemas/dataset.js";
import { ACTIONS } from "../../src/actions.js";
import { CuratorError } from "../../src/errors.js";
import { ScriptedServer, closedPort, type ChatRequest, type Fault } from "../helpers/scripted-server.js";
import { expectUserError, finished, leftovers, runCli, spawnCli } from "../helpers/run-cli.js";

const __dirname = dirname(fileURLToPath(import.meta.url));
const DC_FILE = resolve(__dirname, "../../../shared/data/real/dynamic_cheatsheet/slim/AIME_2024/gpt-4o_Baseline.jsonl");
const TASKS_FROM = `dynamic-cheatsheet:${DC_FILE}`;
const TASKS = loadTasks(TASKS_FROM).slice(0, 10);
const KEY_ENV = "CURATOR_COLLECT_TEST_KEY";
const KEY = `sk-test-${randomBytes(12).toString("hex")}`;
const root = mkdtempSync(join(tmpdir(), "curator-endpoint-collect-"));
const servers: ScriptedServer[] = [];

/** The task a solve / authoring prompt is about: its index in TASKS. */
function taskIndex(user: string): number {
  const at = user.indexOf("TASK:\n") + 6;
  return TASKS.findIndex((t) => user.startsWith(t.prompt, at));
}

/**
 * The scripted executor: right on tasks 0, 2, 3, 5, 6, 8, 9 (wrong when i % 3 = 1); writes one lesson per task;
 * shortens and repairs items when asked. No prefix cache (cached tokens 0), so replies and usage are the same
 * however many times a prompt is sent. `echoKey`: the lesson of task 2 repeats the API key, as a careless server might.
 */
function respond(echoKey = false) {
  return (req: ChatRequest) => {
    const system = req.messages[0].content;
    const user = req.messages[req.messages.length - 1].content;
    const reply = (text: string) => ({ text, cachedTokens: 0 });
    if (system.startsWith("You shorten")) return reply("<content>Short: check the case split.</content>");
    if (system.startsWith("You repair"))
      return reply("<content>Repaired: list the cases, then count each once.</content>");
    const i = taskIndex(user);
    if (system.startsWith("You maintain")) {
      const extra = echoKey && i === 2 ? ` (authorization: Bearer ${KEY})` : "";
      return reply(
        `<memory_item><action>add</action><content>Lesson ${i}${extra}: ${TASKS[i]?.prompt.slice(0, 160)}</content></memory_item>`,
      );
    }
    const answer = i >= 0 && i % 3 !== 1 ? (TASKS[i] as { answer: string }).answer : "0";
    return reply(`Working.\nFINAL ANSWER:\n<answer>\n${answer}\n</answer>`);
  };
}

async function server(opts: { echoKey?: boolean; faults?: Fault[] } = {}): Promise<ScriptedServer> {
  const s = await ScriptedServer.start({ respond: respond(opts.echoKey) });
  s.inject(...(opts.faults ?? []));
  servers.push(s);
  return s;
}

function profile(name: string, baseUrl: string, endpoint: Record<string, unknown> = {}): string {
  const file = join(root, `${name}-${randomBytes(3).toString("hex")}.json`);
  const p = {
    name,
    endpoint: { baseUrl, model: "scripted-model", apiKeyEnv: KEY_ENV, timeoutMs: 2000, maxRetries: 4, ...endpoint },
    contextBudget: 4000,
    prices: { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  };
  writeFileSync(file, JSON.stringify(p, null, 2));
  return file;
}

const base = (executors: string, out: string): CollectOptions => ({
  executors,
  tasksFrom: TASKS_FROM,
  tasks: 10,
  behavior: "heuristic",
  epsilon: 0.5,
  seed: 3,
  curationInterval: 3,
  out,
});

const isSolve = (r: { body?: ChatRequest }) => r.body?.messages[0].content.startsWith("You are an expert") === true;

/** Every file under the given folders, recursively (binary files included). */
function filesUnder(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return out;
}

function expectNoKey(...dirs: string[]): number {
  const files = filesUnder(...dirs);
  for (const f of files) expect(readFileSync(f).includes(Buffer.from(KEY)), f).toBe(false);
  return files.length;
}

function rows(d: Dataset, table: "decisions" | "tasks"): Record<string, unknown>[] {
  const names = (table === "decisions" ? DECISION_COLUMNS : TASK_COLUMNS).map((c) => c.name);
  const cols = d[table];
  return Array.from({ length: cols.stream_id.length }, (_, r) => Object.fromEntries(names.map((n) => [n, cols[n][r]])));
}

beforeAll(() => {
  process.env[KEY_ENV] = KEY;
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
afterAll(() => {
  delete process.env[KEY_ENV];
});

describe("collect over a real task stream", () => {
  it("writes 10 Dynamic Cheatsheet tasks per profile as a dataset that train --algo awr accepts", async () => {
    const s = await server();
    const out = join(root, "dc10");
    // two profiles (two streams: one per profile, each with its own library) so that train has a validation stream
    const profs = [profile("local-a", s.url), profile("local-b", s.url)];
    const summary = await collect({
      executors: profs.join(","),
      tasksFrom: TASKS_FROM,
      tasks: 10,
      behavior: "heuristic",
      out,
    });
    expect(summary).toMatchObject({ streams: 2, tasks: 20, resumedStreams: 0 });
    expect(summary.successRate).toBeCloseTo(0.7, 10);
    expect(s.chatRequests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);

    const ds = await readDataset(out);
    const m = ds.manifests[0];
    expect(m.world).toMatchObject({ kind: "endpoint", tasksFrom: TASKS_FROM, tasks: 10, curationInterval: 5 });
    expect(m.executors.map((e) => e.name)).toEqual(["local-a", "local-b"]);
    expect(m.executors[0]).toMatchObject({ endpoint: { apiKeyEnv: KEY_ENV, model: "scripted-model", baseUrl: s.url } });
    expect(m).toMatchObject({ labels: "none", horizon: 10, streams: 2, tasksPerStream: 10 });

    const tasks = rows(ds, "tasks").filter((t) => t.stream_id === 0);
    expect(tasks.map((t) => t.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(tasks.map((t) => t.success)).toEqual(TASKS.map((_, i) => (i % 3 === 1 ? 0 : 1)));
    for (const t of tasks) {
      expect(t).toMatchObject({
        executor: "local-a",
        family: -1,
        stale_hit: 0,
        drift_hit: 0,
        generic_share: 0,
        authored: 1,
      });
      expect(Number.isNaN(t.p_success)).toBe(true);
      expect(t.cost as number).toBeGreaterThan(0);
    }
    expect(tasks.slice(0, 5).map((t) => t.library_size)).toEqual([1, 2, 3, 4, 5]);

    // one pass per stream, after task 5 (none after the last task): a row per live item, horizon = the 5 tasks left
    const decisions = rows(ds, "decisions").filter((d) => d.stream_id === 0);
    expect(decisions).toHaveLength(5);
    for (const d of decisions) {
      expect(d).toMatchObject({ step: 5, pass: 0, horizon_tasks: 5, executor: "local-a" });
      for (const a of ACTIONS) expect([d[`cf_success_${a}`], d[`cf_cost_${a}`]].every(Number.isNaN)).toBe(true);
      const p = ACTIONS.map((a) => d[`behavior_p_${a}`] as number);
      expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      expect(p[d.action as number]).toBeGreaterThan(0);
      expect(d.horizon_successes).toBe(tasks.slice(5).filter((t) => t.success).length);
    }
    // item hits: the retrievals over the horizon, read back from what the server was asked (streams run in order)
    const horizon = s.chatRequests
      .filter(isSolve)
      .slice(5, 10)
      .map((r) => r.body!.messages[1].content);
    expect(horizon.map(taskIndex)).toEqual([5, 6, 7, 8, 9]);
    for (const d of decisions) {
      if (d.action === 3) continue;
      const hits = horizon.filter((u) => u.includes(`<memory_item id="${d.item_id as string}">`)).length;
      expect(d.item_hits, String(d.item_id)).toBe(hits);
    }

    const model = await train({ data: out, algo: "awr", out: join(root, "dc10-awr"), epochs: 2, hidden: [8], seed: 1 });
    expect(model.trainRows + model.valRows).toBe(ds.decisions.stream_id.length);
    const bc = await train({ data: out, algo: "bc", out: join(root, "dc10-bc"), epochs: 2 }).catch((e: unknown) => e);
    expect(bc).toBeInstanceOf(CuratorError);
    expect((bc as CuratorError).message).toMatch(/counterfactual labels.*--algo awr/);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("writes the API key into no file, even when the server echoes it into a memory item", async () => {
    const s = await server({ echoKey: true });
    const out = join(root, "key");
    await collect(base(profile("echo", s.url), out));
    const ds = await readDataset(out);
    expect(ds.decisions.stream_id.length).toBeGreaterThan(0);
    expect(expectNoKey(out)).toBe(4); // manifest, two Parquet files and the output marker
  });

  it("completes every task through 429 + Retry-After, 500, a timeout, a non-JSON body and dropped connections", async () => {
    const clean = await server();
    const reference = await readDataset((await collect(base(profile("p", clean.url), join(root, "clean")))).out);
    const faults: Fault[] = [
      { kind: "rate-limit", retryAfter: "0" },
      { kind: "none" },
      { kind: "server-error" },
      { kind: "drop" },
      { kind: "none" },
      { kind: "slow", delayMs: 400 },
      { kind: "non-json" },
      { kind: "none" },
      { kind: "drop" },
      { kind: "server-error", status: 503 },
    ];
    const s = await server({ faults });
    const summary = await collect(base(profile("p", s.url, { timeoutMs: 250 }), join(root, "faulty")));
    expect(summary.tasks).toBe(10);
    expect(s.faults).toHaveLength(0);
    const ds = await readDataset(summary.out);
    expect(rows(ds, "tasks")).toEqual(rows(reference, "tasks"));
    expect(rows(ds, "decisions")).toEqual(rows(reference, "decisions"));
  });

  it("refuses simulator-only options and mixed executor lists before writing anything", async () => {
    const s = await server();
    const prof = profile("p", s.url);
    const out = join(root, "refused");
    const cases: Array<[Partial<CollectOptions>, RegExp]> = [
      [{ behavior: "oracle" }, /oracle reads the simulator's hidden state/],
      [{ labels: "oracle" }, /--labels oracle/],
      [{ executors: `${prof},weak` }, /mixes endpoint profiles with simulated executors \(weak\)/],
      [{ executors: "weak" }, /needs endpoint executors/],
      [{ tasksFrom: undefined }, /add --tasks-from/],
      [{ tasks: 31 }, /--tasks 31 .* holds \(30\)/],
    ];
    for (const [extra, message] of cases) {
      const e = await collect({ ...base(prof, out), ...extra }).catch((x: unknown) => x);
      expect(e, String(message)).toBeInstanceOf(CuratorError);
      expect((e as CuratorError).message).toMatch(message);
    }
    expect(leftovers(out)).toEqual([]);
    expect(s.chatRequests).toHaveLength(0);
  });
});

describe("curator collect (CLI) with endpoint executors", () => {
  const cli = (prof: string, out: string, extra: string[] = []) => [
    "collect",
    "--executors",
    prof,
    "--tasks-from",
    TASKS_FROM,
    "--tasks",
    "10",
    "--behavior",
    "heuristic",
    "--epsilon",
    "0.5",
    "--seed",
    "3",
    "--curation-interval",
    "3",
    "--out",
    out,
    ...extra,
  ];

  it("an unreachable endpoint: a clear error within the timeout, exit 2, nothing written", async () => {
    const port = await closedPort();
    const dir = join(root, "unreachable");
    mkdirSync(dir);
    const out = join(dir, "out");
    const started = Date.now();
    const r = await runCli(cli(profile("gone", `http://127.0.0.1:${port}/v1`), out), { timeoutMs: 30_000 });
    const msg = expectUserError(r, "ENDPOINT_ERROR");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(msg).toMatch(/connection refused/);
    expect(msg).toMatch(/Nothing was written/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a wrong model name: exit 2 naming the models the server has, nothing written", async () => {
    const s = await server();
    const dir = join(root, "wrong-model");
    mkdirSync(dir);
    const r = await runCli(cli(profile("typo", s.url, { model: "scripted-modle" }), join(dir, "out")));
    const msg = expectUserError(r, "ENDPOINT_ERROR");
    expect(msg).toMatch(/does not serve model 'scripted-modle'.*Available models: scripted-model/);
    expect(readdirSync(dir)).toEqual([]);
    expect(s.chatRequests.filter(isSolve)).toHaveLength(0);
  });

  it("a killed run resumes without redoing finished tasks and ends with the rows of an uninterrupted run", async () => {
    const ref = await server();
    const reference = await readDataset((await collect(base(profile("p", ref.url), join(root, "uninterrupted")))).out);

    // every reply takes 60 ms, so the run is still going when it is killed
    const s = await server({ faults: Array.from({ length: 200 }, (): Fault => ({ kind: "slow", delayMs: 60 })) });
    const prof = profile("p", s.url);
    const out = join(root, "killed");
    const state = join(`${out}.partial`, "stream-0.state.json");
    const child = spawnCli(cli(prof, out));
    const exited = finished(child);
    const tasksDone = () =>
      existsSync(state) ? (JSON.parse(readFileSync(state, "utf8")) as { tasksDone: number }).tasksDone : 0;
    while (tasksDone() < 4) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    const done = tasksDone();
    expect(done).toBeGreaterThanOrEqual(4);
    expect(done).toBeLessThan(10);
    expect(existsSync(out)).toBe(false);
    expectNoKey(`${out}.partial`);

    const before = s.chatRequests.length;
    const r = await runCli([...cli(prof, out, ["--resume"]), "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tasks: 10, resumedStreams: 1, resumedTasks: done });
    const asked = s.chatRequests
      .slice(before)
      .filter(isSolve)
      .map((q) => taskIndex(q.body!.messages[1].content));
    expect(asked).toEqual(Array.from({ length: 10 - done }, (_, k) => done + k));

    const resumed = await readDataset(out);
    expect(rows(resumed, "tasks")).toEqual(rows(reference, "tasks"));
    expect(rows(resumed, "decisions")).toEqual(rows(reference, "decisions"));
    expect(existsSync(`${out}.partial`)).toBe(false);
    expectNoKey(out);
  });
});
