/**
 * Which tasks an endpoint stream runs: one rule for `collect` and `eval`.
 *
 * - original: the first N tasks of the source, in its order, in every stream (streams differ only by sampling);
 * - shuffled: the same N tasks, each stream in its own seeded order;
 * - disjoint: stream k runs tasks [kN, (k+1)N) of the source, in order. Streams see different tasks, and a
 *   drifting source keeps its time order: a world source (world:NAME:SEED:COUNT) is one long timeline, so the
 *   blocks are its successive stretches. Without it, the streams of a collection are near-copies of one another
 *   (same tasks, same draws) and add little data.
 */
import { z } from "zod";
import { Rng } from "../util/rng.js";
import type { Task } from "./task.js";

export const TASK_ORDERS = ["original", "shuffled", "disjoint"] as const;
export type TaskOrder = (typeof TASK_ORDERS)[number];

export const TASK_ORDER_HELP =
  "endpoint executors: which tasks each stream runs: original (the first --tasks tasks in the source's order, the same in every stream), shuffled (the same tasks, each stream in its own seeded order) or disjoint (stream k runs tasks k·N … (k+1)·N − 1 in order: every stream its own tasks, time order kept, e.g. for a drifting world)";

export const TaskOrderField = z.enum(TASK_ORDERS);

/** How many tasks of the source the streams need: N, or one block of N per stream for disjoint. */
export function tasksNeeded(order: TaskOrder, perStream: number, blocks: number): number {
  return order === "disjoint" ? perStream * blocks : perStream;
}

/** The tasks of the stream with block index `block` (its stream number), drawn from `pool` as `order` says. */
export function streamTasks(
  pool: readonly Task[],
  perStream: number,
  order: TaskOrder,
  block: number,
  seed: number,
): Task[] {
  if (order === "disjoint") return pool.slice(block * perStream, (block + 1) * perStream);
  const first = pool.slice(0, perStream);
  return order === "shuffled" ? shuffled(first, seed) : first;
}

/** A seeded Fisher–Yates shuffle (the evaluation streams' order since the first release). */
export function shuffled(tasks: readonly Task[], seed: number): Task[] {
  const out = [...tasks];
  const rng = new Rng([seed, 0x0d3e]);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
