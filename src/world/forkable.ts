/**
 * SkillWorld as a forkable executor: a fork is `world.fork()` (common random numbers: forks share their future
 * exactly), a task's success measure is its success probability (the expected successes remove the outcome-draw
 * noise), and the curation spend of the applied actions is charged up front.
 */
import type { SkillWorld } from "./world.js";
import type { ForkableExecutor } from "../labels/rollout.js";

export function simExecutor(world: SkillWorld): ForkableExecutor<SkillWorld> {
  return {
    fork: () => world.fork(),
    apply(w, actions) {
      w.applyActions(actions);
      const spent = w.pendingCurationCost;
      w.pendingCurationCost = 0;
      return spent;
    },
    step(w) {
      const r = w.runTask();
      return { success: r.pSuccess, cost: r.cost };
    },
    tasksLeft: () => Infinity,
  };
}
