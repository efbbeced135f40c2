/**
 * Endpoint throughput against the reference server (issue 17, "Many servers"): S streams run the harness loop
 * (retrieve, solve, author) through one endpoint profile listing 1, 2 or 4 reference servers, each a child
 * process with injected latency and a fixed number of batch slots (as a GPU serving a model). Reports tasks/s
 * per server count and our own CPU time per task (this process only: harness, BM25, client, checking; the
 * servers' CPU is theirs).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { EndpointClient } from "../executors/endpoint/client.js";
import { EndpointHarness } from "../executors/endpoint/harness.js";
import { loadWorldTasks } from "../tasks/load.js";
import { row, type BenchOptions, type BenchRow } from "./harness.js";

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const LATENCY_MS = 200;
const SLOTS = 2;

/** Starts `curator reference-server` in a child process; resolves with its base URL and model. */
function startServer(seed: number): Promise<{ child: ChildProcess; url: string; model: string }> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "reference-server",
      "--port",
      "0",
      "--seed",
      String(seed),
      "--latency-ms",
      String(LATENCY_MS),
      "--max-concurrent",
      String(SLOTS),
      "--json",
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let text = "";
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (l) => {
      text += l;
      try {
        const j = JSON.parse(text) as { baseUrl: string; model: string };
        lines.close();
        resolve({ child, url: j.baseUrl, model: j.model });
      } catch {
        // the JSON summary spans several lines
      }
    });
    child.once("exit", (code) => reject(new Error(`reference-server exited (code ${code}) before printing its URL`)));
  });
}

async function runStreams(
  urls: string[],
  model: string,
  streams: number,
  tasksPerStream: number,
): Promise<{ seconds: number; cpuSeconds: number; tasks: number; successes: number }> {
  const tasks = loadWorldTasks(`default:1:${tasksPerStream}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let successes = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const client = new EndpointClient({ baseUrls: urls, model, concurrency: 1, timeoutMs: 120_000 }, { seed: s });
      const h = new EndpointHarness(client, { executorName: `s${s}`, contextBudget: 4000 });
      for (const task of tasks) if ((await h.runTask(task)).success) successes++;
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    tasks: streams * tasks.length,
    successes,
  };
}

export async function benchRefServer(o: BenchOptions): Promise<BenchRow[]> {
  const streams = 8;
  const perStream = o.quick ? 3 : 15;
  const servers: ChildProcess[] = [];
  const rows: BenchRow[] = [];
  try {
    const started = await Promise.all([1, 2, 3, 4].map(() => startServer(1)));
    for (const s of started) servers.push(s.child);
    for (const n of [1, 2, 4]) {
      o.log(`refserver: ${streams} streams × ${perStream} tasks on ${n} server(s)`);
      const r = await runStreams(
        started.slice(0, n).map((s) => s.url),
        started[0].model,
        streams,
        perStream,
      );
      const ideal = (n * SLOTS * 1000) / (2 * LATENCY_MS);
      rows.push(
        row({
          name: `endpoint.refserver.${n}-server${n > 1 ? "s" : ""}.tasks_per_s`,
          value: r.tasks / r.seconds,
          unit: "tasks/s",
          peer: null,
          peerValue: null,
          speedup: null,
          target: null,
          note: `${streams} concurrent streams × ${perStream} tasks (solve + author call each) through one profile with ${n} reference server(s), each ${LATENCY_MS} ms per reply and ${SLOTS} batch slots (ideal ${ideal.toFixed(1)} tasks/s); wall clock; success ${((100 * r.successes) / r.tasks).toFixed(0)}%`,
        }),
        row({
          name: `endpoint.refserver.${n}-server${n > 1 ? "s" : ""}.cpu_ms_per_task`,
          value: (1000 * r.cpuSeconds) / r.tasks,
          unit: "ms",
          peer: null,
          peerValue: null,
          speedup: null,
          target: null,
          note: "our own CPU time (user + system of the harness process: BM25, prompts, HTTP client, checking) per task; the servers run in their own processes",
        }),
      );
    }
  } finally {
    for (const c of servers) c.kill("SIGTERM");
  }
  return rows;
}
