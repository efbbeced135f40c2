/**
 * `curator eval` on endpoint executors (issue 17), against the scripted loopback server: paired results of
 * none, heuristic and a tiny learned model in the report shape of simulated eval (mixed with a simulated
 * preset); a run aborted after N tasks resumes without re-sending a finished task and ends with the results of
 * an uninterrupted run; faults (429, 5xx, timeouts, dropped connections) lose no task.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { evaluate, type EvalOptions } from "../../src/eval/evaluate.js";
import { resultsJson } from "../../src/eval/report.js";
import type { EvalResults } from "../../src/eval/summarize.js";
import { loadTasks } from "../../src/tasks/load.js";
import { ScriptedServer, type ChatRequest, type Fault } from "../helpers/scripted-server.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";
import { ExperimentSchema } from "../../src/experiments/schema.js";
import { runCli } from "../helpers/run-cli.js";

const __dirname = dirname(fileURLToPath(import.meta.url));
const DC_FILE = resolve(__dirname, "../../../shared/data/real/dynamic_cheatsheet/slim/AIME_2024/gpt-4o_Baseline.jsonl");
const TASKS_FROM = `dynamic-cheatsheet:${DC_FILE}`;
const TASKS = loadTasks(TASKS_FROM).slice(0, 6);
const root = mkdtempSync(join(tmpdir(), "curator-endpoint-eval-"));
const servers: ScriptedServer[] = [];

function taskIndex(user: string): number {
  const at = user.indexOf("TASK:\n") + 6;
  return TASKS.findIndex((t) => user.startsWith(t.prompt, at));
}

/**
 * The scripted executor: wrong when i % 3 = 1, and wrong when more than two memory items crowd the prompt (so
 * curation matters); writes one lesson per task; a fixed 32 prompt tokens served from cache per call.
 */
function respond(req: ChatRequest) {
  const system = req.messages[0].content;
  const user = req.messages[req.messages.length - 1].content;
  const reply = (text: string) => ({ text, cachedTokens: 32 });
  if (system.startsWith("You shorten")) return reply("<content>Short: check the case split.</content>");
  if (system.startsWith("You repair"))
    return reply("<content>Repaired: list the cases, then count each once.</content>");
  const i = taskIndex(user);
  if (system.startsWith("You maintain"))
    return reply(
      `<memory_item><action>add</action><content>Lesson ${i}: ${TASKS[i]?.prompt.slice(0, 120)}</content></memory_item>`,
    );
  const crowded = (user.match(/<memory_item id=/g) ?? []).length > 2;
  const answer = i >= 0 && i % 3 !== 1 && !crowded ? (TASKS[i] as { answer: string }).answer : "0";
  return reply(`Working.\nFINAL ANSWER:\n<answer>\n${answer}\n</answer>`);
}

async function server(faults: Fault[] = []): Promise<ScriptedServer> {
  const s = await ScriptedServer.start({ respond });
  s.inject(...faults);
  servers.push(s);
  return s;
}

let n = 0;
function profile(s: ScriptedServer, endpoint: Record<string, unknown> = {}): string {
  const file = join(root, `qwen-${n++}.json`);
  const p = {
    name: "qwen-local",
    endpoint: { baseUrl: s.url, model: "scripted-model", timeoutMs: 2000, maxRetries: 4, concurrency: 1, ...endpoint },
    contextBudget: 4000,
    prices: { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  };
  writeFileSync(file, JSON.stringify(p));
  return file;
}

const isSolve = (r: { body?: ChatRequest }) => r.body?.messages[0].content.startsWith("You are an expert") === true;
/** The measured part of a run (config names the profile file, which differs per test server). */
const measured = (r: EvalResults) => resultsJson({ ...r, config: {} });
const solves = (s: ScriptedServer) => s.chatRequests.filter(isSolve).length;

const options = (prof: string, scratch: string, extra: Partial<EvalOptions> = {}): EvalOptions => ({
  curators: ["none", "heuristic"],
  executors: [prof],
  tasksFrom: TASKS_FROM,
  tasks: 6,
  seeds: [1],
  streams: 2,
  curationInterval: 2,
  scratch,
  bucket: 3,
  ...extra,
});

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe("curator eval on endpoint executors", () => {
  it("none, heuristic and a tiny model on an endpoint and a simulated preset: paired results in the simulated report shape", async () => {
    const s = await server();
    const prof = profile(s);
    const model = (await makeTinyModelDir(join(root, "tiny"))).dir;
    const out = join(root, "report");
    const r = await runCli(
      [
        "eval",
        "--curators",
        `none,heuristic,${model}`,
        "--executors",
        `${prof},weak`,
        "--world",
        "tiny",
        "--tasks-from",
        TASKS_FROM,
        "--tasks",
        "6",
        "--seeds",
        "1",
        "--streams",
        "2",
        "--curation-interval",
        "2",
        "--bucket",
        "3",
        "--out",
        out,
        "--json",
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/oracle reads the simulator's hidden truth/);
    for (const f of ["results.json", "report.md", "plots/cost-per-completed-task.svg"])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);

    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    const rows = results.results as Array<Record<string, any>>;
    const ep = rows.filter((x) => x.executor === "qwen-local");
    expect(ep.map((x) => x.curator)).toEqual(["none", "heuristic", model]);
    expect(rows.filter((x) => x.executor === "weak").map((x) => x.curator)).toEqual([
      "none",
      "heuristic",
      model,
      "oracle",
    ]);
    for (const x of ep) {
      expect(x).toMatchObject({
        streams: 2,
        tasks: 12,
        staleHitRate: null,
        contaminationFollowRate: null,
        oracleUpliftShare: null,
      });
      expect(x.successRateCI[0]).toBeLessThanOrEqual(x.successRate);
      expect(x.successRateCI[1]).toBeGreaterThanOrEqual(x.successRate);
      expect(x.cacheReadShare).toBeGreaterThan(0);
      expect(x.cacheReadShare).toBeLessThan(1);
      expect(x.costPerCompletedTask === null || x.costPerCompletedTask > 0).toBe(true);
    }
    expect(ep.find((x) => x.curator === model)!.paired.map((p: { against: string }) => p.against)).toEqual([
      "none",
      "heuristic",
    ]);
    // 3 curators × 2 streams × 6 tasks, the same tasks for every curator of a stream, in the stream's order
    const asked = s.chatRequests.filter(isSolve).map((q) => taskIndex(q.body!.messages[1].content));
    expect(asked).toHaveLength(36);
    const byUnit = Array.from({ length: 6 }, (_, u) => asked.slice(6 * u, 6 * u + 6));
    for (const u of byUnit) expect([...u].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(byUnit[1]).toEqual(byUnit[0]);
    expect(byUnit[2]).toEqual(byUnit[0]);
    expect(byUnit[4]).toEqual(byUnit[3]);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/### qwen-local/);
    expect(report).toMatch(/Endpoint executors \(qwen-local\) ran the first 6 tasks/);
    expect(JSON.parse(r.stdout).results).toHaveLength(7);
  }, 180_000);

  it("an eval aborted after 7 tasks resumes without re-sending a finished task and equals an uninterrupted run", async () => {
    const ref = await server();
    const reference = await evaluate(options(profile(ref), join(root, "ref.partial")));
    const total = solves(ref);
    expect(total).toBe(2 * 2 * 6);

    const s = await server();
    const prof = profile(s);
    const scratch = join(root, "killed.partial");
    let endpointTasks = 0;
    const abort = (_d: number, _t: number, label?: string) => {
      if (label === "endpoint tasks" && ++endpointTasks === 7) throw new Error("killed after 7 tasks");
    };
    await expect(evaluate(options(prof, scratch), { onProgress: abort })).rejects.toThrow(/killed after 7/);
    expect(solves(s)).toBe(7);
    const refused = await evaluate(options(prof, scratch, { resume: true, tasks: 5 })).catch((e: Error) => e);
    expect(String(refused)).toMatch(/started with different options/);

    const resumed = await evaluate(options(prof, scratch, { resume: true }));
    expect(solves(s)).toBe(total); // 7 before the abort + the 17 not yet finished: none sent twice
    expect(measured(resumed)).toEqual(measured(reference));
  }, 120_000);

  it("the oracle stopped by a dead endpoint inside its rollouts resumes without re-sending a finished task", async () => {
    const oracle = { curators: ["oracle"], streams: 1 };
    const ref = await server();
    const reference = await evaluate(options(profile(ref), join(root, "oracle-ref.partial"), oracle));
    const calls = ref.chatRequests.length;
    expect(calls).toBeGreaterThan(3 * 2 * 6 + 40); // the stream tasks of oracle, none, heuristic, and rollouts
    // after 41 good calls (inside the oracle's rollouts) the server fails twice in a row: with one retry, fatal
    const s = await server([
      ...Array.from({ length: 41 }, (): Fault => ({ kind: "none" })),
      { kind: "server-error" },
      { kind: "server-error" },
    ]);
    const prof = profile(s, { maxRetries: 1 });
    const scratch = join(root, "oracle-killed.partial");
    await expect(evaluate(options(prof, scratch, oracle))).rejects.toThrow(/rollouts are saved in .*--resume/);
    const resumed = await evaluate(options(prof, scratch, { ...oracle, resume: true }));
    expect(s.chatRequests.length).toBe(calls + 2); // the two failed attempts, and no finished call again
    expect(measured(resumed)).toEqual(measured(reference));
  }, 120_000);

  it("429, 5xx, a timeout, a non-JSON body and dropped connections lose no task and change no result", async () => {
    const clean = await server();
    const reference = await evaluate(options(profile(clean), join(root, "clean.partial"), { streams: 1 }));
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
    const s = await server(faults);
    const got = await evaluate(options(profile(s, { timeoutMs: 250 }), join(root, "faulty.partial"), { streams: 1 }));
    expect(s.faults).toHaveLength(0);
    expect(solves(s)).toBeGreaterThanOrEqual(solves(clean));
    expect(got.results.map((x) => x.tasks)).toEqual([6, 6]);
    expect(measured(got)).toEqual(measured(reference));
  }, 120_000);

  it("refuses --tasks-from without endpoint executors and endpoint executors without a task stream", async () => {
    const s = await server();
    const prof = profile(s);
    await expect(evaluate({ curators: ["none"], executors: ["weak"], tasksFrom: TASKS_FROM })).rejects.toThrow(
      /apply to endpoint executors only/,
    );
    await expect(evaluate({ curators: ["none"], executors: [prof], scratch: join(root, "x.partial") })).rejects.toThrow(
      /add --tasks-from/,
    );
    expect(s.chatRequests).toHaveLength(0);
  });

  it("an experiment file's eval block takes the task stream options", () => {
    const exp = ExperimentSchema.parse({
      name: "x",
      claim: "y",
      out: "z",
      runs: [{ name: "r", collect: { executors: "weak" }, train: {} }],
      eval: {
        executors: ["profiles/qwen.json", "mid"],
        tasksFrom: TASKS_FROM,
        taskOrder: "original",
        curationInterval: 3,
      },
    });
    expect(exp.eval).toMatchObject({
      tasksFrom: TASKS_FROM,
      taskOrder: "original",
      curationInterval: 3,
      unsafeNoSandbox: false,
    });
    expect(() => ExperimentSchema.parse({ ...exp, eval: { ...exp.eval, taskOrder: "reversed" } })).toThrow();
  });
});
