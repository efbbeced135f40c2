/**
 * `--shard auto`: the shard index and count from the engine running an array of identical commands.
 * Slurm job arrays set SLURM_ARRAY_TASK_ID/_MIN/_STEP/_COUNT; Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX
 * only, so the count comes from `--shard auto/N` or CURATOR_SHARD_COUNT.
 */
import { join } from "node:path";
import { CuratorError } from "../errors.js";

export const SHARD_PATTERN = /^(\d+\/\d+|auto(\/\d+)?)$/;
export type Env = Record<string, string | undefined>;

/** The folder a shard writes under a common `--out` when the index comes from the engine. */
export const shardFolder = (out: string, index: number, count: number) => join(out, `shard-${index}-of-${count}`);

const int = (env: Env, name: string): number | undefined => {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v)) {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--shard auto: ${name}=${JSON.stringify(v)} is not a whole number. Unset it, or pass --shard i/n.`,
    );
  }
  return Number(v);
};

/** Resolves `auto` or `auto/N` to `{ index, count }`; anything else is left to the caller (`i/n`). */
export function shardFromEnv(spec: string, env: Env): { index: number; count: number } {
  const given = spec.startsWith("auto/") ? Number(spec.slice(5)) : undefined;
  const slurmId = int(env, "SLURM_ARRAY_TASK_ID");
  let index: number;
  let count: number | undefined;
  let source: string;
  if (slurmId !== undefined) {
    // Arrays may start anywhere (--array=1-4) and step (--array=0-15:4): the shard is the task's position.
    const min = int(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = int(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
    index = (slurmId - min) / step;
    count = given ?? int(env, "SLURM_ARRAY_TASK_COUNT");
    source = `SLURM_ARRAY_TASK_ID=${slurmId} (SLURM_ARRAY_TASK_MIN=${min}, SLURM_ARRAY_TASK_STEP=${step})`;
    if (!Number.isInteger(index)) {
      throw new CuratorError(
        "BAD_ARGUMENT",
        `--shard auto: ${source} is not a position in an evenly stepped array. Submit the array as --array=0-N ` +
          `(or a:b:step), or pass --shard i/n explicitly.`,
      );
    }
  } else if (int(env, "JOB_COMPLETION_INDEX") !== undefined) {
    index = int(env, "JOB_COMPLETION_INDEX")!;
    count = given ?? int(env, "CURATOR_SHARD_COUNT");
    source = `JOB_COMPLETION_INDEX=${index}`;
    if (count === undefined) {
      throw new CuratorError(
        "BAD_ARGUMENT",
        `--shard auto: ${source} gives the index but Kubernetes does not say how many shards there are. ` +
          `Pass --shard auto/N with N the Job's completions, or set CURATOR_SHARD_COUNT=N.`,
      );
    }
  } else {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--shard auto needs the engine's array index, but neither SLURM_ARRAY_TASK_ID (Slurm job array) nor ` +
        `JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set. Run it as an array task (deploy/slurm/collect.sbatch, ` +
        `deploy/k8s/collect-job.yaml), or pass --shard i/n.`,
    );
  }
  if (count === undefined || count < 1 || index < 0 || index >= count) {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--shard auto: ${source} gives shard ${index} of ${count ?? "an unknown count"}, outside 0..count-1. ` +
        `Check the array range matches the count (or pass --shard auto/N).`,
    );
  }
  return { index, count };
}

/** Options with `--shard auto[/N]` made concrete: `shard` becomes `i/n` and `out` the shard's folder under `out`. */
export function resolveAutoShard<T extends { shard: string; out: string }>(o: T, env: Env): T {
  if (!o.shard.startsWith("auto")) return o;
  const { index, count } = shardFromEnv(o.shard, env);
  return { ...o, shard: `${index}/${count}`, out: shardFolder(o.out, index, count) };
}
