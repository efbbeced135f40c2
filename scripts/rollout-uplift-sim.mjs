// The in-process diagnostic beside scripts/rollout-uplift.mjs: bc on simulator rollout labels (tiny world, mid,
// 100 tasks, heuristic behaviour ε 0.3, 3 items per pass, K = 10) for each stream count given, scored like the
// endpoint run (8 evaluation streams; none / oracle computed here).
// With a third argument `observed`, rollouts are measured in observed 0/1 outcomes, as an endpoint reports them,
// instead of expected successes (a diagnostic of endpoint labels; forks still share each task's draw).
// usage: node scripts/rollout-uplift-sim.mjs [scratch folder] [stream counts, e.g. 8,16,24,32,64] [observed[:N]]
//        EVAL_STREAMS=16 to score on 16 evaluation streams (default 8)
//        (after npm run build)
import { collect } from "../dist/collect/collect.js";
import { train } from "../dist/train/train.js";
import { resolveCurator } from "../dist/curators/resolve.js";
import { runStream } from "../dist/world/stream.js";
import { resolveWorld } from "../dist/world/presets.js";
import { resolveExecutors } from "../dist/executors/presets.js";
import { streamSeed } from "../dist/seeds.js";
import { reward } from "../dist/reward.js";
import { SkillWorld } from "../dist/world/world.js";
import { Rng } from "../dist/util/rng.js";
import { rmSync } from "node:fs";
const r = process.argv[2] ?? "/tmp/rollout-diag";
const counts = (process.argv[3] ?? "8,64").split(",").map(Number);
// `observed` measures each rollout task by its observed 0/1 outcome; `observed:N` by the share right of N answers
// (the first the task's own draw, the others independent draws shared by every fork: collect --rollout-samples N)
const [mode, samplesArg] = (process.argv[4] ?? "").split(":");
const observed = mode === "observed";
const samples = Number(samplesArg ?? 1);
const EVAL_STREAMS = Number(process.env.EVAL_STREAMS ?? 8);
rmSync(r, { recursive: true, force: true });
const world = resolveWorld("tiny");
const executors = resolveExecutors("mid");
async function score(spec) {
  const curator = (await resolveCurator(spec, { simulator: true })).curator;
  let total = 0;
  for (let k = 0; k < EVAL_STREAMS; k++) {
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
  return total / EVAL_STREAMS;
}
const none = await score("none");
const oracle = await score("oracle");
const heuristic = await score("heuristic");
console.log(
  "none",
  none.toFixed(2),
  "oracle",
  oracle.toFixed(2),
  "heuristic",
  heuristic.toFixed(2),
  "share",
  ((heuristic - none) / (oracle - none)).toFixed(3),
);
for (const streams of counts) {
  const name = `sim-${streams}`;
  const t0 = Date.now();
  const runTask = SkillWorld.prototype.runTask;
  if (observed)
    SkillWorld.prototype.runTask = function (...a) {
      const [t, seed] = [this.step, this.seed];
      const r = runTask.apply(this, a);
      let right = r.success ? 1 : 0;
      for (let j = 1; j < samples; j++) if (new Rng([seed, t, 0x5a4d, j]).next() < r.pSuccess) right++;
      return { ...r, pSuccess: right / samples };
    };
  await collect({
    world: "tiny",
    executors: "mid",
    tasks: 100,
    behavior: "heuristic",
    epsilon: 0.3,
    seed: 1,
    labels: "rollout",
    out: `${r}/${name}`,
    streams,
    rolloutItems: 3,
    horizon: 10,
  });
  SkillWorld.prototype.runTask = runTask;
  const t = await train({ data: `${r}/${name}`, algo: "bc", out: `${r}/${name}-model`, seed: 1 });
  const s = await score(`${r}/${name}-model`);
  console.log(
    name,
    t.trainRows + t.valRows,
    "rows; reward",
    s.toFixed(2),
    "share",
    ((s - none) / (oracle - none)).toFixed(3),
    `(${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
}
