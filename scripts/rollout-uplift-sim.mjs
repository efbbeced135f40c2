// The in-process diagnostic beside scripts/rollout-uplift.mjs: bc on simulator rollout labels at the same budget
// (8 streams) and with 8x the streams, scored like the endpoint run (none / oracle rewards from that run).
// usage: node scripts/rollout-uplift-sim.mjs [scratch folder]   (after npm run build)
import { collect } from "../dist/collect/collect.js";
import { train } from "../dist/train/train.js";
import { resolveCurator } from "../dist/curators/resolve.js";
import { runStream } from "../dist/world/stream.js";
import { resolveWorld } from "../dist/world/presets.js";
import { resolveExecutors } from "../dist/executors/presets.js";
import { streamSeed } from "../dist/seeds.js";
import { reward } from "../dist/reward.js";
import { rmSync } from "node:fs";
const r = process.argv[2] ?? "/tmp/rollout-diag";
rmSync(r, { recursive: true, force: true });
const world = resolveWorld("tiny");
const executors = resolveExecutors("mid");
async function score(spec) {
  const curator = (await resolveCurator(spec, { simulator: true })).curator;
  let total = 0;
  for (let k = 0; k < 8; k++) {
    const run = await runStream(
      { streamId: k, seed: streamSeed(1000, k, "eval"), world, executors, tasks: 100 },
      curator,
      { mode: "argmax", horizon: 20 },
    );
    total += reward(
      run.tasks.reduce((a, t) => a + t.pSuccess, 0),
      run.tasks.reduce((a, t) => a + t.cost, 0),
    );
  }
  return total / 8;
}
const none = 42.73136803392764,
  oracle = 59.38763791876788;
for (const [name, extra] of [
  ["sim-same-budget", { streams: 8, rolloutItems: 3, horizon: 10 }],
  ["sim-8x-streams", { streams: 64, rolloutItems: 3, horizon: 10 }],
]) {
  await collect({
    world: "tiny",
    executors: "mid",
    tasks: 100,
    behavior: "heuristic",
    epsilon: 0.3,
    seed: 1,
    labels: "rollout",
    out: `${r}/${name}`,
    ...extra,
  });
  const t = await train({ data: `${r}/${name}`, algo: "bc", out: `${r}/${name}-model`, seed: 1 });
  const s = await score(`${r}/${name}-model`);
  console.log(
    name,
    t.trainRows + t.valRows,
    "rows; reward",
    s.toFixed(2),
    "share",
    ((s - none) / (oracle - none)).toFixed(3),
  );
}
