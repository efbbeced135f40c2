/**
 * Rollout labels of one curation pass, on any forkable executor: the per-item counterfactuals of the planned
 * items and the returns of the pass-level group members. Both collectors call this at a labelled pass, before
 * the behaviour's own actions are applied.
 */
import type { Governance } from "../schemas/world.js";
import {
  groupReturns,
  itemLabels,
  type Counterfactuals,
  type ForkableExecutor,
  type RolloutJournal,
  type RolloutReturn,
} from "./rollout.js";
import { planPass, sampleMembers, type RolloutSettings, type RolloutSpend } from "./plan.js";

/** G whole passes from one snapshot: each member's action per item and its return over the same next K tasks. */
export interface PassGroup {
  actions: Int32Array[];
  returns: RolloutReturn[];
}

export interface PassLabels {
  counterfactuals?: Counterfactuals;
  group?: PassGroup;
  spend: RolloutSpend;
}

export interface PassState {
  /** items of the pass, and their masks (before the change cap) and the policy's epsilon-mixed probabilities, rows × 4 */
  rows: number;
  masks: Float32Array;
  probs: Float32Array;
  governance: Governance;
  /** stream seed and pass index: they seed which items and which group members */
  seed: number;
  pass: number;
  /** extra tasks this stream already spent on rollouts */
  spent: number;
}

export async function labelPass<F>(
  exec: ForkableExecutor<F>,
  s: RolloutSettings,
  p: PassState,
  journal?: RolloutJournal<F>,
): Promise<PassLabels> {
  const plan = planPass(s, p.rows, p.masks, p.seed, p.pass, p.spent);
  const out: PassLabels = { spend: { tasks: 0, states: 0, decisions: 0, groupMembers: 0 } };
  if (plan.rows.length) {
    const r = await itemLabels(exec, p.rows, p.masks, plan.rows, s.horizon, journal);
    out.counterfactuals = r.labels;
    out.spend.tasks += r.tasks;
    out.spend.decisions = plan.rows.length;
  }
  if (plan.groups) {
    const actions = sampleMembers(p.probs, p.masks, p.rows, p.governance, p.seed, p.pass, plan.groups);
    const r = await groupReturns(exec, actions, s.horizon, journal);
    out.group = { actions, returns: r.returns };
    out.spend.tasks += r.tasks;
    out.spend.groupMembers = plan.groups;
  }
  out.spend.states = plan.rows.length || plan.groups ? 1 : 0;
  return out;
}
