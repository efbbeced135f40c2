/**
 * Does endpoint eval rank curators as in-process eval does? (issue 17, a figure, not a timed test)
 * For each world seed, the reference server answers the world's tasks as text; `curator eval` runs none,
 * heuristic and the learned curator through the real-executor path (HTTP, BM25 retrieval, usage-based cost) in
 * the task file's order, every curator from the world's initial library as text (--library); the same curators
 * are evaluated in process on the same world and executor.
 *
 *   npx tsx scripts/epeval-refserver.ts [TASKS=100] [SEEDS=1,2,3] [MODEL[,MODEL…]=models/default] [WORLD=default]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../src/eval/evaluate.js";
import { ReferenceServer } from "../src/executors/reference/server.js";
import { resolveWorld } from "../src/world/presets.js";
import { resolveExecutor } from "../src/executors/presets.js";

const [tasksArg = "100", seedsArg = "1,2,3", model = "models/default", worldName = "default"] = process.argv.slice(2);
const tasks = Number(tasksArg);
const seeds = seedsArg.split(",").map(Number);
// MODEL may list several model folders, comma-separated
const curators = ["none", "heuristic", ...model.split(",")];
const root = mkdtempSync(join(tmpdir(), "epeval-ref-"));
const world = resolveWorld(worldName);
const executor = resolveExecutor("mid");

const endpoint: Record<string, number[]> = Object.fromEntries(curators.map((c) => [c, []]));
const endpointCost: Record<string, number[]> = Object.fromEntries(curators.map((c) => [c, []]));
const t0 = performance.now();
for (const seed of seeds) {
  const server = await ReferenceServer.start({ world, executor, seed, port: 0 });
  const profile = join(root, `ref-${seed}.json`);
  writeFileSync(
    profile,
    JSON.stringify({
      name: "ref-mid",
      endpoint: { baseUrl: server.url, model: server.model, concurrency: 3 },
      contextBudget: executor.contextBudget,
    }),
  );
  // Every curator starts from the world's initial items as text, as in-process streams start from them.
  const library = join(root, `library-${seed}.jsonl`);
  writeFileSync(
    library,
    server.world
      .initialLibrary()
      .map((it) => JSON.stringify(it))
      .join("\n") + "\n",
  );
  const res = await evaluate({
    curators,
    executors: [profile],
    library,
    tasksFrom: `world:${worldName}:${seed}:${tasks}`,
    tasks,
    seeds: [1],
    streams: 1,
    taskOrder: "original",
    curationInterval: world.curationInterval,
    scratch: join(root, `s${seed}.partial`),
  });
  for (const r of res.results) {
    endpoint[r.curator].push(r.successRate);
    endpointCost[r.curator].push(r.costPerCompletedTask);
  }
  await server.close();
}
const t1 = performance.now();
const inProcess = await evaluate({
  curators,
  executors: ["mid"],
  world: worldName,
  tasks,
  seeds: [1],
  streams: seeds.length,
});
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rank = (score: (c: string) => number) => [...curators].sort((a, b) => score(b) - score(a));
const ep = (c: string) => mean(endpoint[c]);
const ip = (c: string) => inProcess.results.find((r) => r.curator === c && r.executor === "mid")!.successRate;
console.log(`tasks ${tasks}, world seeds ${seeds.join(",")} (endpoint: ${((t1 - t0) / 1000).toFixed(1)} s)`);
console.log("curator | endpoint success (per seed) | endpoint $/completed | in-process success (mid, default world)");
for (const c of curators)
  console.log(
    `${c} | ${(100 * ep(c)).toFixed(1)}% (${endpoint[c].map((x) => (100 * x).toFixed(1)).join(", ")}) | ${mean(endpointCost[c]).toFixed(4)} | ${(100 * ip(c)).toFixed(1)}%`,
  );
console.log(`ranking endpoint:   ${rank(ep).join(" > ")}`);
console.log(`ranking in-process: ${rank(ip).join(" > ")}`);
