/** --labels rollout in the simulated collector, and the manifest record both collectors write. */
import type { StreamSpec, StreamOptions } from "../world/stream.js";
import { simExecutor } from "../world/forkable.js";
import { labelPass } from "../labels/label-pass.js";
import { labelledPasses, passSlots, type RolloutSettings, type RolloutSpend } from "../labels/plan.js";
import type { Manifest } from "../schemas/dataset.js";

/** The pass labeller of one simulated stream: the shared routine over SkillWorld forks, within the stream's budget. */
export function simLabeller(s: RolloutSettings, spec: StreamSpec): StreamOptions["labeller"] {
  const chosen = labelledPasses(s, passSlots(spec.tasks, spec.world.curationInterval), spec.seed);
  let spent = 0;
  return async (world, pass) => {
    if (!chosen.has(pass.index)) return undefined;
    const rows = world.items.length;
    const labels = await labelPass(simExecutor(world), s, {
      rows,
      masks: pass.masks,
      probs: pass.probs,
      governance: spec.world.governance,
      seed: spec.seed,
      pass: pass.index,
      spent,
    });
    spent += labels.spend.tasks;
    return labels;
  };
}

export function rolloutManifest(s: RolloutSettings, spend: RolloutSpend): NonNullable<Manifest["rollout"]> {
  return {
    horizon: s.horizon,
    states: s.states ?? null,
    items: s.items ?? null,
    budget: s.budget ?? null,
    groups: s.groups,
    ...(s.samples !== undefined && s.samples > 1 ? { samples: s.samples } : {}),
    extraTasks: spend.tasks,
    labelledStates: spend.states,
    labelledDecisions: spend.decisions,
    groupMembers: spend.groupMembers,
  };
}
