import { writeFileSync, rmSync } from "node:fs";
import { ReferenceServer } from "../../dist/executors/reference/server.js";
import { resolveWorld } from "../../dist/world/presets.js";
import { EXECUTOR_PRESETS } from "../../dist/executors/presets.js";
import { collect } from "../../dist/collect/collect.js";
import { runStream } from "../../dist/world/stream.js";
import { resolveCurator } from "../../dist/curators/resolve.js";
// usage (after npm run build): npx tsx scripts/refserver-compare.mts WORLD.json TASKS SEEDS   e.g. a {"initialItems":0} world, 150, 1,2,3,4
const W = process.argv[2];
const TASKS = Number(process.argv[3] ?? 150);
const seeds = (process.argv[4] ?? "1,2,3,4").split(",").map(Number);
const world = resolveWorld(W);
const mid = structuredClone(EXECUTOR_PRESETS.mid) as any;
const out: any[] = [];
for (const seed of seeds) {
  const srv = await ReferenceServer.start({ world, executor: mid, seed });
  writeFileSync(
    `/tmp/refserver-compare-p${seed}.json`,
    JSON.stringify({ name: "ref-mid", endpoint: { baseUrl: srv.url, model: srv.model }, contextBudget: 4000 }),
  );
  for (const cur of ["none", "heuristic"]) {
    const inproc = await runStream(
      { streamId: 0, seed, world, executors: [mid], tasks: TASKS },
      (await resolveCurator(cur)).curator,
      { mode: "sample", horizon: 20 },
    );
    const ip = inproc.tasks.filter((t) => t.success).length / TASKS;
    const ipLib = inproc.tasks[TASKS - 1].librarySize;
    const dir = `/tmp/refserver-compare-ds-${seed}-${cur}`;
    rmSync(dir, { recursive: true, force: true });
    const s = await collect({
      executors: `/tmp/refserver-compare-p${seed}.json`,
      tasksFrom: `world:${W}:${seed}:${TASKS}`,
      tasks: TASKS,
      behavior: cur,
      epsilon: 0,
      seed: 1,
      curationInterval: world.curationInterval,
      out: dir,
    } as any);
    const solves = srv.served.filter((r) => r.kind === "solve");
    const cached =
      srv.served.reduce((a, r) => a + r.cachedTokens, 0) / srv.served.reduce((a, r) => a + r.promptTokens, 0);
    srv.served.length = 0;
    const r = {
      seed,
      curator: cur,
      inProcess: ip,
      inProcessLibrary: ipLib,
      endpoint: s.successRate,
      endpointSolves: solves.length,
      cachedShare: cached,
    };
    out.push(r);
    console.log(JSON.stringify(r));
  }
  await srv.close();
}
const mean = (c: string, k: string) => out.filter((r) => r.curator === c).reduce((a, r) => a + r[k], 0) / seeds.length;
for (const c of ["none", "heuristic"])
  console.log(c, "inProcess", mean(c, "inProcess").toFixed(3), "endpoint", mean(c, "endpoint").toFixed(3));
