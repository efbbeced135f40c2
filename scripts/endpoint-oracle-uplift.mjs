// Measures (issue 17) curators through the world-backed reference server against the oracle run there too:
// for each evaluation stream k, a reference server of the world the in-process evaluation uses for stream k
// (tiny, mid, seed streamSeed(1000, k, "eval")) and that world's initial library; `curator eval` runs none,
// heuristic, the oracle (from rollouts on the endpoint, --oracle-samples) and the given models over its 100 tasks
// in the world's order. Reward per stream (successes − λ · USD) as scripts/rollout-uplift.mjs scores in process,
// and each curator's share of the endpoint oracle's uplift over none.
// usage: node scripts/endpoint-oracle-uplift.mjs MODELS(comma-separated) [evalStreams=8] [oracleSamples=8]
//        [shards=2] [root]   (after npm run build)
//        The harness settings are those of the rollout-label runs: retrievalK 4 (the world's), reflection on.
//        REUSE=DIR takes none, heuristic and the oracle from an earlier run's DIR/stream-k.json and evaluates only the
//        models (runs are deterministic: the reference server keys every draw, streams price by their own prompts).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { evaluate } from "../dist/eval/evaluate.js";
import { ReferenceServer } from "../dist/executors/reference/server.js";
import { ReferenceWorld } from "../dist/executors/reference/respond.js";
import { resolveWorld } from "../dist/world/presets.js";
import { resolveExecutor } from "../dist/executors/presets.js";
import { streamSeed } from "../dist/seeds.js";
import { reward } from "../dist/reward.js";

const args = process.argv.slice(2);
const shardMode = args[0] === "--shard";
const [modelsArg = "", evalArg = "8", samplesArg = "8", shardsArg = "2", rootArg = ""] = shardMode
  ? args.slice(2)
  : args;
const models = modelsArg
  .split(",")
  .filter(Boolean)
  .map((m) => resolve(m));
const evalStreams = Number(evalArg);
const samples = Number(samplesArg);
const shards = Number(shardsArg);
const root = rootArg || mkdtempSync(join(tmpdir(), "endpoint-oracle-"));
const TASKS = 100;
const world = resolveWorld("tiny");
const executor = resolveExecutor("mid");
const reuse = process.env.REUSE;
const curators = reuse ? models : ["none", "heuristic", "oracle", ...models];

/** Stream k through its own reference server: every curator's reward, written to root/stream-k.json. */
async function evalStream(k) {
  const seed = streamSeed(1000, k, "eval");
  const server = await ReferenceServer.start({ world, executor, seed, port: 0 });
  const dir = join(root, `s${k}`);
  mkdirSync(dir, { recursive: true });
  const library = join(dir, "library.jsonl");
  const items = new ReferenceWorld(world, executor, seed).initialLibrary();
  writeFileSync(library, items.map((it) => JSON.stringify(it)).join("\n") + "\n");
  const profile = join(dir, "profile.json");
  writeFileSync(
    profile,
    JSON.stringify({
      name: "ref-mid",
      endpoint: { baseUrl: server.url, model: server.model, ...(samples > 1 ? { temperature: 0.7 } : {}) },
      contextBudget: executor.contextBudget,
      retrievalK: world.retrievalK,
      reflection: true,
    }),
  );
  const t0 = Date.now();
  const res = await evaluate({
    curators,
    executors: [profile],
    tasksFrom: `world:tiny:${seed}:${TASKS}`,
    tasks: TASKS,
    seeds: [1],
    streams: 1,
    curationInterval: world.curationInterval,
    taskOrder: "original",
    library,
    ...(samples > 1 && !reuse ? { oracleSamples: samples } : {}),
    scratch: join(dir, "scratch"),
  });
  await server.close();
  const out = reuse ? pick(JSON.parse(readFileSync(join(reuse, `stream-${k}.json`), "utf8"))) : {};
  for (const r of res.results) {
    if (reuse && !models.includes(r.curator)) continue;
    const successes = r.successRate * r.tasks;
    out[r.curator] = {
      reward: reward(successes, r.costPerCompletedTask * successes),
      successes,
      cost: r.costPerCompletedTask * successes,
      actionMix: r.actionMix,
    };
  }
  writeFileSync(join(root, `stream-${k}.json`), JSON.stringify(out));
  console.error(`stream ${k}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The references of an earlier run's stream. */
function pick(earlier) {
  return { none: earlier.none, heuristic: earlier.heuristic, oracle: earlier.oracle };
}

if (shardMode) {
  const [i, n] = args[1].split("/").map(Number);
  for (let k = i; k < evalStreams; k += n) await evalStream(k);
  process.exit(0);
}

const t0 = Date.now();
const self = fileURLToPath(import.meta.url);
await Promise.all(
  Array.from(
    { length: shards },
    (_, i) =>
      new Promise((ok, fail) => {
        const rest = [modelsArg, evalArg, samplesArg, shardsArg, root];
        const child = spawn(process.execPath, [self, "--shard", `${i}/${shards}`, ...rest], { stdio: "inherit" });
        child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`shard ${i} exited with ${code}`))));
      }),
  ),
);
const streams = Array.from({ length: evalStreams }, (_, k) =>
  JSON.parse(readFileSync(join(root, `stream-${k}.json`), "utf8")),
);
const names = Object.keys(streams[0]);
const mean = (f) => streams.reduce((s, x) => s + f(x), 0) / streams.length;
const rewardPerStream = Object.fromEntries(names.map((c) => [c, mean((x) => x[c].reward)]));
const successesPerStream = Object.fromEntries(names.map((c) => [c, mean((x) => x[c].successes)]));
const gap = rewardPerStream.oracle - rewardPerStream.none;
// Per-stream shares are too noisy for a ratio; the bootstrap over streams resamples the pooled gap instead.
const share = (c) => (rewardPerStream[c] - rewardPerStream.none) / gap;
function bootstrap(c, draws = 2000) {
  let state = 12345;
  const rnd = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const xs = [];
  for (let d = 0; d < draws; d++) {
    let num = 0;
    let den = 0;
    for (let j = 0; j < streams.length; j++) {
      const x = streams[Math.floor(rnd() * streams.length)];
      num += x[c].reward - x.none.reward;
      den += x.oracle.reward - x.none.reward;
    }
    xs.push(num / den);
  }
  xs.sort((a, b) => a - b);
  return [xs[Math.floor(0.025 * draws)], xs[Math.floor(0.975 * draws)]];
}
console.log(
  JSON.stringify(
    {
      evalStreams,
      tasks: TASKS,
      oracleSamples: samples,
      seconds: (Date.now() - t0) / 1000,
      rewardPerStream,
      successesPerStream,
      endpointOracleUpliftShare: Object.fromEntries(
        names.filter((c) => c !== "none" && c !== "oracle").map((c) => [c, { share: share(c), ci95: bootstrap(c) }]),
      ),
      actionMix: Object.fromEntries(
        names.map((c) => [
          c,
          Object.fromEntries(Object.keys(streams[0][c].actionMix).map((a) => [a, mean((x) => x[c].actionMix[a])])),
        ]),
      ),
      root,
    },
    null,
    2,
  ),
);
