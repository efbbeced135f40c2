/**
 * collect.tasks: simulated tasks per second through SkillWorld task streams with curation passes (the loop
 * `curator collect` drives), one core: the heuristic curator decides every live item every 10 tasks, sampled
 * with epsilon 0.3 as a behaviour policy, exactly as collection runs it.
 */
import { resolveWorld } from "../world/presets.js";
import { resolveExecutors } from "../executors/presets.js";
import { runStream, type StreamSpec } from "../world/stream.js";
import { heuristicCurator } from "../curators/baselines.js";
import { streamSeed } from "../seeds.js";
import { median, row, timeRuns, type BenchOptions, type BenchRow } from "./harness.js";

export const CURATION_INTERVAL = 10;

export function collectSpecs(streams: number, tasks: number, seed = 1): StreamSpec[] {
  const world = resolveWorld({ curationInterval: CURATION_INTERVAL });
  const executors = resolveExecutors("weak,mid,strong");
  return Array.from({ length: streams }, (_, s) => ({
    streamId: s,
    seed: streamSeed(seed, s, "collect"),
    world,
    executors: [executors[s % executors.length]],
    tasks,
  }));
}

/** Runs the streams; returns tasks run and decision rows produced. */
export async function runStreams(specs: readonly StreamSpec[]): Promise<{ tasks: number; rows: number }> {
  let tasks = 0;
  let rows = 0;
  for (const spec of specs) {
    const run = await runStream(spec, heuristicCurator, {
      mode: "sample",
      epsilon: 0.3,
      horizon: 2 * CURATION_INTERVAL,
    });
    tasks += run.tasks.length;
    for (const p of run.passes) rows += p.batch.rows;
  }
  return { tasks, rows };
}

export async function benchCollect(
  o: BenchOptions,
): Promise<{ rows: BenchRow[]; tasksPerStream: number; rowsPerStream: number }> {
  const [streams, tasks, runs] = o.quick ? [4, 50, 3] : [16, 200, 5];
  const specs = collectSpecs(streams, tasks);
  o.log(`collect.tasks: ${streams} streams x ${tasks} tasks, curation every ${CURATION_INTERVAL}, ${runs} runs`);
  let produced = { tasks: 0, rows: 0 };
  const secs = await timeRuns(async () => {
    produced = await runStreams(specs);
  }, runs);
  const rate = produced.tasks / median(secs);
  return {
    tasksPerStream: tasks,
    rowsPerStream: produced.rows / streams,
    rows: [
      row({
        name: "collect.tasks",
        value: rate,
        unit: "tasks/s",
        peer: null,
        peerValue: null,
        speedup: null,
        target: "value ≥ 10000",
        pass: rate >= 10_000,
        note: `runStream, heuristic curator (epsilon 0.3), ${streams} streams × ${tasks} tasks, a curation pass every ${CURATION_INTERVAL} tasks (${produced.rows} decisions); median of ${runs} after a warm-up`,
      }),
    ],
  };
}
