/** Small helpers for the SkillWorld tests: run a few paired streams and average what they measured. */
import { runStream, type StreamRun } from "../../src/world/stream.js";
import { resolveWorld } from "../../src/world/presets.js";
import { resolveExecutor } from "../../src/executors/presets.js";
import type { Curator } from "../../src/curators/types.js";
import type { ExecutorProfile } from "../../src/schemas/executor.js";
import type { WorldConfig } from "../../src/schemas/world.js";
import type { TaskResult } from "../../src/world/world.js";

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export interface RunsSpec {
  world?: string | WorldConfig;
  executor: string | ExecutorProfile;
  curator: Curator;
  streams: number;
  tasks: number;
  /** First stream seed; stream s uses seedBase + s, so two calls with the same base replay the same futures. */
  seedBase?: number;
}

/** Runs `streams` paired streams (seeds seedBase, seedBase+1, …) with argmax decisions. */
export async function runs(spec: RunsSpec): Promise<StreamRun[]> {
  const world = typeof spec.world === "object" ? spec.world : resolveWorld(spec.world ?? "tiny");
  const executor = typeof spec.executor === "string" ? resolveExecutor(spec.executor) : spec.executor;
  const out: StreamRun[] = [];
  for (let s = 0; s < spec.streams; s++) {
    const stream = { streamId: s, seed: (spec.seedBase ?? 100) + s, world, executors: [executor], tasks: spec.tasks };
    out.push(await runStream(stream, spec.curator, { mode: "argmax", horizon: 2 * world.curationInterval }));
  }
  return out;
}

/** Mean of `f` over every task of every run. */
export function rate(rs: readonly StreamRun[], f: (t: TaskResult) => number): number {
  return mean(rs.flatMap((r) => r.tasks.map(f)));
}

/** Expected success (mean success probability; free of the outcome-draw noise) over every task. */
export const pSuccess = (rs: readonly StreamRun[]) => rate(rs, (t) => t.pSuccess);
export const successRate = (rs: readonly StreamRun[]) => rate(rs, (t) => (t.success ? 1 : 0));

/** Mean over streams of the mean of `f` over tasks [from, to) of each stream (negative = from the end). */
export function windowMean(
  rs: readonly StreamRun[],
  from: number,
  to: number | undefined,
  f: (t: TaskResult) => number,
): number {
  return mean(rs.map((r) => mean(r.tasks.slice(from, to).map(f))));
}

/** An executor preset with authoring fields overridden. */
export function variant(name: string, authoring: Partial<ExecutorProfile["authoring"]>): ExecutorProfile {
  const p = resolveExecutor(name);
  return { ...p, authoring: { ...p.authoring, ...authoring } };
}
