/**
 * Rollout labels over any forkable executor: the one labelling routine both the simulator (oracle labels,
 * `collect --labels rollout` on SkillWorld) and the endpoint harness (`collect --labels rollout` on a real
 * model) run.
 *
 * A rollout forks the executor's state (the library and what the next tasks read), applies one whole-pass
 * action vector to the fork, and runs the next `horizon` tasks on it with no further curation. Every fork of a
 * state faces the same tasks with the same sampling settings, so differences between forks are the actions'
 * own effect (fair groups: every member starts from the same snapshot).
 *
 * Per-item labels: one all-keep baseline rollout (the `keep` value of every labelled item), then one rollout
 * per labelled item and allowed non-keep action, the item's action applied against an otherwise-kept library.
 * Pass groups: G whole passes sampled from the policy, each rolled forward the same way.
 *
 * A journal (endpoint runs) holds every finished rollout and the progress of the running one after each task,
 * so a fault or a killed run loses no finished task.
 */

/** What a rollout measures: the executor's success measure summed over the tasks run, and their cost (USD). */
export interface RolloutReturn {
  /** the simulator: expected successes (sum of success probabilities); a real executor: observed successes */
  success: number;
  /** USD over the rollout, including the curation calls the applied actions made */
  cost: number;
  tasks: number;
}

/** An executor whose state can be copied and replayed forward (SkillWorld, the endpoint harness). */
export interface ForkableExecutor<F> {
  /** A copy of the current state; the original is never touched by what is done to the fork. */
  fork(): F;
  /** Applies one action per item (in the pass's item order) to the fork; returns the spend charged up front. */
  apply(fork: F, actions: Int32Array): Promise<number> | number;
  /** Runs the fork's next task; returns its success measure and cost. */
  step(fork: F): Promise<{ success: number; cost: number }> | { success: number; cost: number };
  /** Tasks the fork can still run (the end of a finite task list), or Infinity. */
  tasksLeft(fork: F): number;
}

/** Where finished rollouts and the running one's progress are kept (endpoint runs); the simulator keeps none. */
export interface RolloutJournal<F> {
  finished(key: string): RolloutReturn | undefined;
  progress(key: string): { fork: F; acc: RolloutReturn } | undefined;
  saveProgress(key: string, fork: F, acc: RolloutReturn): void;
  finish(key: string, r: RolloutReturn): void;
}

/** One rollout to run: a key unique within its pass, and the whole-pass action vector. */
export interface RolloutJob {
  key: string;
  actions: Int32Array;
}

/** Runs one rollout (or takes it from the journal, continuing a half-finished one from its last task). */
export async function rollout<F>(
  exec: ForkableExecutor<F>,
  job: RolloutJob,
  horizon: number,
  journal?: RolloutJournal<F>,
): Promise<RolloutReturn> {
  const done = journal?.finished(job.key);
  if (done) return done;
  let { fork, acc } = journal?.progress(job.key) ?? { fork: undefined, acc: undefined };
  if (!fork || !acc) {
    fork = exec.fork();
    acc = { success: 0, cost: await exec.apply(fork, job.actions), tasks: 0 };
    journal?.saveProgress(job.key, fork, acc);
  }
  while (acc.tasks < horizon && exec.tasksLeft(fork) > 0) {
    const r = await exec.step(fork);
    acc = { success: acc.success + r.success, cost: acc.cost + r.cost, tasks: acc.tasks + 1 };
    journal?.saveProgress(job.key, fork, acc);
  }
  journal?.finish(job.key, acc);
  return acc;
}

/** Counterfactual values per item and action, rows × 4, NaN where not labelled or masked. */
export interface Counterfactuals {
  success: Float64Array;
  cost: Float64Array;
}

/** The rollouts that label `rows` (item indices) of a pass of `n` items: the keep baseline, then each allowed non-keep action. */
export function itemJobs(n: number, masks: ArrayLike<number>, rows: readonly number[]): RolloutJob[] {
  if (rows.length === 0) return [];
  const jobs: RolloutJob[] = [{ key: "keep", actions: new Int32Array(n) }];
  for (const i of rows)
    for (let a = 1; a < NUM_ACTIONS; a++) {
      if (masks[i * NUM_ACTIONS + a] <= 0) continue;
      const actions = new Int32Array(n);
      actions[i] = a;
      jobs.push({ key: `item-${i}-${a}`, actions });
    }
  return jobs;
}

/** Tasks the item labels of `rows` cost at most (every rollout runs the full horizon). */
export function itemJobsCost(masks: ArrayLike<number>, rows: readonly number[], horizon: number): number {
  return itemJobs(0, masks, rows).length * horizon;
}

/**
 * Per-item counterfactual labels: `keep` is the all-keep baseline for every labelled item; other actions are
 * the rollout with that one item's action applied. Rows not in `rows` stay NaN.
 */
export async function itemLabels<F>(
  exec: ForkableExecutor<F>,
  n: number,
  masks: ArrayLike<number>,
  rows: readonly number[],
  horizon: number,
  journal?: RolloutJournal<F>,
): Promise<{ labels: Counterfactuals; tasks: number }> {
  const success = new Float64Array(n * NUM_ACTIONS).fill(NaN);
  const cost = new Float64Array(n * NUM_ACTIONS).fill(NaN);
  let tasks = 0;
  for (const job of itemJobs(n, masks, rows)) {
    const r = await rollout(exec, job, horizon, journal);
    tasks += r.tasks;
    if (job.key === "keep") {
      for (const i of rows) {
        success[i * NUM_ACTIONS] = r.success;
        cost[i * NUM_ACTIONS] = r.cost;
      }
      continue;
    }
    const [, i, a] = job.key.split("-").map(Number);
    success[i * NUM_ACTIONS + a] = r.success;
    cost[i * NUM_ACTIONS + a] = r.cost;
  }
  return { labels: { success, cost }, tasks };
}

/** G whole-pass action vectors rolled forward from the same snapshot: one return per member. */
export async function groupReturns<F>(
  exec: ForkableExecutor<F>,
  members: readonly Int32Array[],
  horizon: number,
  journal?: RolloutJournal<F>,
): Promise<{ returns: RolloutReturn[]; tasks: number }> {
  const returns: RolloutReturn[] = [];
  for (const [g, actions] of members.entries())
    returns.push(await rollout(exec, { key: `group-${g}`, actions }, horizon, journal));
  return { returns, tasks: returns.reduce((s, r) => s + r.tasks, 0) };
}
import { NUM_ACTIONS } from "../actions.js";
