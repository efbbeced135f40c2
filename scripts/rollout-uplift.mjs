// Measures (issue 17): a curator trained (bc) on rollout labels collected through the world-backed reference
// server captures what share of the oracle uplift measured in process on the same world?
// usage: node scripts/rollout-uplift.mjs [world] [tasks] [profiles] [rolloutItems] [evalStreams] [horizon]   (after npm run build)
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect } from "../dist/collect/collect.js";
import { train } from "../dist/train/train.js";
import { ReferenceServer } from "../dist/executors/reference/server.js";
import { resolveWorld } from "../dist/world/presets.js";
import { resolveExecutor, resolveExecutors } from "../dist/executors/presets.js";
import { resolveCurator } from "../dist/curators/resolve.js";
import { runStream } from "../dist/world/stream.js";
import { streamSeed } from "../dist/seeds.js";
import { reward } from "../dist/reward.js";

const [worldName = "tiny", tasksArg = "100", profilesArg = "4", itemsArg = "4", evalArg = "12", horizonArg] =
  process.argv.slice(2);
const tasks = Number(tasksArg),
  nProfiles = Number(profilesArg),
  items = Number(itemsArg),
  evalStreams = Number(evalArg);
const root = mkdtempSync(join(tmpdir(), "rollout-uplift-"));
const world = resolveWorld(worldName);
const executor = resolveExecutor("mid");
const SEED = 1;
const server = await ReferenceServer.start({ world, executor, seed: SEED, port: 0 });
const profiles = Array.from({ length: nProfiles }, (_, k) => {
  const file = join(root, `ref-${k}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: `ref-mid-${k}`,
      endpoint: { baseUrl: server.url, model: server.model },
      contextBudget: executor.contextBudget,
    }),
  );
  return file;
});
const t0 = Date.now();
const data = join(root, "data");
const opts = {
  executors: profiles.join(","),
  tasksFrom: `world:${worldName}:${SEED}:${tasks}`,
  tasks,
  behavior: "heuristic",
  epsilon: 0.3,
  seed: 1,
  curationInterval: world.curationInterval,
  labels: "rollout",
  rolloutItems: items,
  out: data,
  ...(horizonArg ? { horizon: Number(horizonArg) } : {}),
};
console.error(`collecting into ${data}`);
const summary = await collect(opts);
const collectSeconds = (Date.now() - t0) / 1000;
await server.close();
const model = join(root, "model");
const trained = await train({ data, algo: "bc", out: model, seed: 1 });
console.error(`trained ${model}: ${trained.trainRows} + ${trained.valRows} rows`);

const executors = resolveExecutors("mid");
async function score(spec) {
  const curator = (await resolveCurator(spec, { simulator: true })).curator;
  let total = 0;
  for (let k = 0; k < evalStreams; k++) {
    const s = { streamId: k, seed: streamSeed(1000, k, "eval"), world, executors, tasks };
    const run = await runStream(s, curator, { mode: "argmax", horizon: 2 * world.curationInterval });
    total += reward(
      run.tasks.reduce((a, t) => a + t.pSuccess, 0),
      run.tasks.reduce((a, t) => a + t.cost, 0),
    );
  }
  return total / evalStreams;
}
const r = {
  none: await score("none"),
  heuristic: await score("heuristic"),
  oracle: await score("oracle"),
  learned: await score(model),
};
const share = (x) => (x - r.none) / (r.oracle - r.none);
console.log(
  JSON.stringify(
    {
      world: worldName,
      tasks,
      horizon: horizonArg ? Number(horizonArg) : 2 * world.curationInterval,
      streams: nProfiles,
      rolloutItems: items,
      evalStreams,
      streamTasks: summary.tasks,
      rolloutTasks: summary.rolloutTasks,
      tasksPerLabelledDecision: summary.rolloutTasks / (trained.trainRows + trained.valRows),
      labelledRows: trained.trainRows + trained.valRows,
      collectSeconds,
      rewardPerStream: r,
      oracleUpliftShare: { learned: share(r.learned), heuristic: share(r.heuristic) },
    },
    null,
    2,
  ),
);
