// Measures (issue 17): a curator trained (bc) on rollout labels collected through the world-backed reference
// server captures what share of the oracle uplift measured in process on the same world?
// usage: node scripts/rollout-uplift.mjs [world=tiny] [tasks=100] [streams=4] [rolloutItems=4] [evalStreams=8]
//        [horizon=2×interval] [shards=1] [root]   (after npm run build)
// With shards > 1 the collection runs in that many child processes (--shard i/n), each with its own reference
// server in process (same world and seed, so the same answers); the model trains on the folder of shards.
// The none / heuristic / oracle / learned rewards come from in-process evaluation (evalStreams tiny-world
// streams of `tasks` tasks, eval seeds), scored as scripts/rollout-uplift-sim.mjs scores them.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { collect } from "../dist/collect/collect.js";
import { train } from "../dist/train/train.js";
import { readDataset } from "../dist/data/dataset.js";
import { ReferenceServer } from "../dist/executors/reference/server.js";
import { ReferenceWorld } from "../dist/executors/reference/respond.js";
import { resolveWorld } from "../dist/world/presets.js";
import { resolveExecutor, resolveExecutors } from "../dist/executors/presets.js";
import { resolveCurator } from "../dist/curators/resolve.js";
import { runStream } from "../dist/world/stream.js";
import { streamSeed } from "../dist/seeds.js";
import { reward } from "../dist/reward.js";

const SEED = 1;
const args = process.argv.slice(2);
const shardMode = args[0] === "--shard";
const [
  worldName = "tiny",
  tasksArg = "100",
  streamsArg = "4",
  itemsArg = "4",
  evalArg = "8",
  horizonArg = "",
  shardsArg = "1",
  rootArg = "",
] = shardMode ? args.slice(2) : args;
const tasks = Number(tasksArg);
const nStreams = Number(streamsArg);
const items = Number(itemsArg);
const evalStreams = Number(evalArg);
const shards = Number(shardsArg);
/** answers sampled per rollout task (collect --rollout-samples), from the environment: ROLLOUT_SAMPLES=8 */
const samples = Number(process.env.ROLLOUT_SAMPLES ?? 1);
const root = rootArg || mkdtempSync(join(tmpdir(), "rollout-uplift-"));
const world = resolveWorld(worldName);
const executor = resolveExecutor("mid");
const data = join(root, "data");

// WORLD_LIBRARY=1: every stream starts from the world's initial items as text (in-process streams start from
// them too), not from an empty library. Written once by the parent, read by every shard.
const library = process.env.WORLD_LIBRARY === "1" ? join(root, "library.jsonl") : undefined;
if (library && !shardMode && process.env.WORLD_PER_STREAM !== "1")
  writeFileSync(
    library,
    new ReferenceWorld(world, executor, SEED)
      .initialLibrary()
      .map((it) => JSON.stringify(it))
      .join("\n") + "\n",
  );

/** What every collection of this script shares: heuristic behaviour (ε 0.3), rollout labels, the pass interval. */
const labelling = {
  behavior: "heuristic",
  epsilon: 0.3,
  seed: 1,
  curationInterval: world.curationInterval,
  labels: "rollout",
  rolloutItems: items,
  ...(samples > 1 ? { rolloutSamples: samples } : {}),
  ...(horizonArg ? { horizon: Number(horizonArg) } : {}),
};

// WORLD_PER_STREAM=1: stream k runs in its own world (seed streamSeed(SEED, k, "collect"), as in-process collection
// seeds its streams) from that world's first task and initial library, through a reference server of that seed;
// each stream is its own dataset folder (data/stream-k). Without it, every stream runs its own stretch of one
// world's timeline (seed SEED) from the same starting library, which is stale for the later stretches.
const perStream = process.env.WORLD_PER_STREAM === "1";
/** with WORLD_PER_STREAM=1: the first stream id (FIRST_STREAM=192 collects streams 192 … 192 + streams − 1) */
const first = Number(process.env.FIRST_STREAM ?? 0);

/** One stream k in its own world, written to data/stream-k. */
async function collectOwnWorld(k) {
  const seed = streamSeed(SEED, k, "collect");
  mkdirSync(data, { recursive: true });
  const server = await ReferenceServer.start({ world, executor, seed, port: 0 });
  const ref = new ReferenceWorld(world, executor, seed);
  const lib = join(root, `library-${k}.jsonl`);
  writeFileSync(
    lib,
    ref
      .initialLibrary()
      .map((it) => JSON.stringify(it))
      .join("\n") + "\n",
  );
  const file = join(root, `profile-${k}.json`);
  writeFileSync(file, JSON.stringify(profileFor(k, server)));
  const summary = await collect({
    executors: file,
    tasksFrom: `world:${worldName}:${seed}:${tasks}`,
    tasks,
    ...labelling,
    library: lib,
    firstStream: k,
    streams: 1,
    out: join(data, `stream-${k}`),
  });
  await server.close();
  return summary;
}

function profileFor(k, server) {
  return {
    name: `ref-mid-${k}`,
    // answers sampled per rollout task need a sampling temperature (the reference server draws them regardless)
    endpoint: { baseUrl: server.url, model: server.model, ...(samples > 1 ? { temperature: 0.7 } : {}) },
    contextBudget: executor.contextBudget,
    // WORLD_RETRIEVAL=1: retrieve as many items per task as the world does (its retrievalK), not the harness's 8
    ...(process.env.WORLD_RETRIEVAL === "1" ? { retrievalK: world.retrievalK } : {}),
    // REFLECTION=1: the harness asks after each task which items helped or misled (the world's executor reflects)
    ...(process.env.REFLECTION === "1" ? { reflection: true } : {}),
  };
}

/** Collects the streams s with s mod n = i through a reference server of this process. */
async function collectShard(i, n) {
  if (perStream) {
    const t0 = Date.now();
    let rolloutTasks = 0;
    for (let k = first + i; k < first + nStreams; k += n) {
      rolloutTasks += (await collectOwnWorld(k)).rolloutTasks;
      console.error(`shard ${i}/${n}: stream ${k} done, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    return { rolloutTasks };
  }
  const server = await ReferenceServer.start({ world, executor, seed: SEED, port: 0 });

  const dir = join(root, `profiles-${i}`);
  mkdirSync(dir, { recursive: true });
  const profiles = Array.from({ length: nStreams }, (_, k) => {
    const file = join(dir, `ref-${k}.json`);
    writeFileSync(file, JSON.stringify(profileFor(k, server)));
    return file;
  });
  const t0 = Date.now();
  let last = 0;
  const summary = await collect(
    {
      executors: profiles.join(","),
      // Every stream its own stretch of the world's timeline (as in-process streams each draw their own tasks).
      tasksFrom: `world:${worldName}:${SEED}:${tasks * nStreams}`,
      taskOrder: "disjoint",
      tasks,
      ...labelling,
      ...(library ? { library } : {}),
      shard: `${i}/${n}`,
      out: n > 1 ? join(data, `shard-${i}`) : data,
    },
    {
      onProgress: (done, total) => {
        if (Date.now() - last < 60_000) return;
        last = Date.now();
        console.error(`shard ${i}/${n}: ${done}/${total} stream tasks, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      },
    },
  );
  await server.close();
  console.error(
    `shard ${i}/${n} done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${summary.rolloutTasks} rollout tasks`,
  );
  return summary;
}

if (shardMode) {
  const [i, n] = args[1].split("/").map(Number);
  await collectShard(i, n);
  process.exit(0);
}

const t0 = Date.now();
console.error(`collecting into ${data} (${shards} shard process(es))`);
if (shards === 1) await collectShard(0, 1);
else {
  const self = fileURLToPath(import.meta.url);
  const rest = [worldName, tasksArg, streamsArg, itemsArg, evalArg, horizonArg, shardsArg, root];
  await Promise.all(
    Array.from(
      { length: shards },
      (_, i) =>
        new Promise((ok, fail) => {
          const child = spawn(process.execPath, [self, "--shard", `${i}/${shards}`, ...rest], { stdio: "inherit" });
          child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`shard ${i} exited with ${code}`))));
        }),
    ),
  );
}
const collectSeconds = (Date.now() - t0) / 1000;
if (perStream) {
  // Each stream's dataset names its own world (its tasks' seed) and the reader refuses to mix worlds; for this
  // measurement they are one collection, so their manifests get one world line (the parts and hashes are untouched).
  for (let k = first; k < first + nStreams; k++) {
    const file = join(data, `stream-${k}`, "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    m.world = { kind: "endpoint", tasksFrom: `world:${worldName}:<per-stream seed>:${tasks}`, tasks };
    writeFileSync(file, JSON.stringify(m, null, 2) + "\n");
  }
}
const ds = await readDataset(data);
const extra = ds.manifests.reduce((s, m) => s + m.rollout.extraTasks, 0);
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
      streams: nStreams,
      shards,
      rolloutItems: items,
      ...(samples > 1 ? { rolloutSamples: samples } : {}),
      evalStreams,
      streamTasks: ds.tasks.stream_id.length,
      rolloutTasks: extra,
      tasksPerLabelledDecision: extra / (trained.trainRows + trained.valRows),
      labelledRows: trained.trainRows + trained.valRows,
      collectSeconds,
      msPerTask: (1000 * collectSeconds) / (extra + ds.tasks.stream_id.length),
      rewardPerStream: r,
      oracleUpliftShare: { learned: share(r.learned), heuristic: share(r.heuristic) },
      data,
      model,
    },
    null,
    2,
  ),
);
