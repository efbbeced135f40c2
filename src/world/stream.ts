/**
 * Runs one task stream: tasks, and a curation pass every `curationInterval` tasks in which the curator
 * scores every live item and the chosen actions are applied. Collection and evaluation both drive this.
 */
import type { WorldConfig } from "../schemas/world.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { mixUniform, type Curator, type DecisionBatch } from "../curators/types.js";
import { chooseWithCap, sampleRows } from "../governance/choose.js";
import { Rng } from "../util/rng.js";
import { SkillWorld, type TaskResult } from "./world.js";
import { decisionBatch } from "./observe.js";
import { counterfactualValues, type Counterfactuals, type OracleContext } from "./oracle.js";
import { capMarginals } from "../governance/propensity.js";
import type { PassGroup, PassLabels } from "../labels/label-pass.js";
import type { RolloutSpend } from "../labels/plan.js";

export interface StreamSpec {
  streamId: number;
  seed: number;
  world: WorldConfig;
  executors: ExecutorProfile[];
  tasks: number;
}

export interface StreamOptions {
  /** "argmax" for evaluation; "sample" draws from the (epsilon-mixed) probabilities, as a behaviour policy. */
  mode: "argmax" | "sample";
  epsilon?: number;
  /** Compute counterfactual values of all four actions per decision (for supervised labels). */
  labels?: boolean;
  /** Tasks in the reward / counterfactual horizon. */
  horizon: number;
  onTask?: (r: TaskResult) => void;
  /**
   * Rollout labels of a pass (collect --labels rollout): called on the world before the pass's actions are
   * applied, with the pass's masks and epsilon-mixed probabilities; forks only, the world is left unchanged.
   */
  labeller?: (
    world: SkillWorld,
    pass: { index: number; masks: Float32Array; probs: Float32Array },
  ) => Promise<PassLabels | undefined>;
}

export interface PassRecord {
  pass: number;
  step: number;
  executor: number;
  itemIds: number[];
  batch: DecisionBatch;
  /** Final probabilities the actions were drawn from (after epsilon mixing and the governance cap). */
  probs: Float32Array;
  actions: Int32Array;
  actionCosts: Float64Array;
  counterfactuals?: Counterfactuals;
  /** rows × 4 behaviour propensities of the final actions, change cap included ("sample" mode only; governance/propensity.ts). */
  propensities?: Float64Array;
  /** pass-level group members (collect --labels rollout --rollout-groups G) */
  group?: PassGroup;
  /** extra tasks the labeller spent on this pass */
  spend?: RolloutSpend;
}

export interface StreamRun {
  spec: StreamSpec;
  tasks: TaskResult[];
  passes: PassRecord[];
}

export async function runStream(spec: StreamSpec, curator: Curator, opts: StreamOptions): Promise<StreamRun> {
  const world = new SkillWorld(spec.world, spec.executors, spec.seed);
  const rng = new Rng([spec.seed, 0xbe4a]);
  const tasks: TaskResult[] = [];
  const passes: PassRecord[] = [];
  const eps = opts.epsilon ?? 0;
  for (let t = 0; t < spec.tasks; t++) {
    const r = world.runTask();
    tasks.push(r);
    opts.onTask?.(r);
    const passDue = (t + 1) % spec.world.curationInterval === 0 && t + 1 < spec.tasks;
    if (!passDue || world.items.length === 0) continue;

    const ctx: OracleContext = { world, horizon: opts.horizon };
    const batch = decisionBatch(world, ctx);
    const probs = Float32Array.from(await curator.probs(batch));
    if (opts.labels) ctx.cached ??= await counterfactualValues(world, batch.masks, opts.horizon);
    if (eps > 0) mixUniform(probs, batch.masks, batch.rows, eps);
    const labelled = await opts.labeller?.(world, { index: passes.length, masks: batch.masks, probs });
    const sampled =
      opts.mode === "sample" || curator.stochastic ? sampleRows(probs, batch.masks, batch.rows, rng) : undefined;
    const masks = batch.masks.slice();
    const propensities =
      opts.mode === "sample"
        ? capMarginals(probs, batch.masks, batch.rows, spec.world.governance, sampled !== undefined)
        : undefined;
    const actions = chooseWithCap(probs, masks, batch.rows, spec.world.governance, sampled);
    const itemIds = world.items.map((it) => it.id);
    const actionCosts = world.applyActions(actions);
    passes.push({
      pass: passes.length,
      step: t + 1,
      executor: world.currentExecutor,
      itemIds,
      batch: { ...batch, masks, privileged: undefined },
      probs,
      actions,
      actionCosts,
      counterfactuals: opts.labels ? ctx.cached : labelled?.counterfactuals,
      propensities,
      ...(labelled ? { group: labelled.group, spend: labelled.spend } : {}),
    });
  }
  return { spec, tasks, passes };
}
