/**
 * Which decision states a rollout-labelled stream labels, and within the budget: the same plan on the simulator
 * and on an endpoint. States are curation passes; within a labelled pass, items are sampled (seeded) when
 * `--rollout-items` caps them, and `--rollout-groups G` adds G whole passes sampled from the policy.
 *
 * Cost of a labelled pass, in extra tasks: K for the all-keep baseline (when any item is labelled), K per
 * labelled item and allowed non-keep action, and K per group member. The task budget (`--rollout-budget`) is
 * checked before a pass: items are dropped (last sampled first) until the pass fits; then the groups.
 */
import { Rng } from "../util/rng.js";
import { chooseWithCap, sampleRows } from "../governance/choose.js";
import type { Governance } from "../schemas/world.js";
import { itemJobsCost } from "./rollout.js";

export interface RolloutSettings {
  /** K: tasks each rollout runs */
  horizon: number;
  /** labelled passes per stream (default: every pass) */
  states?: number;
  /** labelled items per labelled pass (default: every item; 0: groups only) */
  items?: number;
  /** extra tasks per stream at most (default: no limit) */
  budget?: number;
  /** whole-pass group members per labelled pass (0: none) */
  groups: number;
  /** endpoint executors: answers sampled per rollout task, the success measure their share right (default 1) */
  samples?: number;
}

/** What one stream spent on rollouts; summed into the manifest. */
export interface RolloutSpend {
  /** extra tasks run in forks */
  tasks: number;
  /** passes with any rollout */
  states: number;
  /** items given per-action labels */
  decisions: number;
  /** group members rolled out */
  groupMembers: number;
}

export const NO_SPEND: RolloutSpend = { tasks: 0, states: 0, decisions: 0, groupMembers: 0 };

export function addSpend(a: RolloutSpend, b: RolloutSpend): RolloutSpend {
  return {
    tasks: a.tasks + b.tasks,
    states: a.states + b.states,
    decisions: a.decisions + b.decisions,
    groupMembers: a.groupMembers + b.groupMembers,
  };
}

const SALT_STATES = 0x5107;
const SALT_ITEMS = 0x5108;
const SALT_GROUPS = 0x5109;

/** Pass slots of a stream: a pass after every `interval` tasks, none after the last task. */
export function passSlots(tasks: number, interval: number): number {
  return Math.max(0, Math.ceil(tasks / interval) - 1);
}

/** The pass indices to label: all, or `states` of the slots drawn without replacement (seeded by the stream). */
export function labelledPasses(s: RolloutSettings, slots: number, seed: number): Set<number> {
  const all = Array.from({ length: slots }, (_, k) => k);
  if (s.states === undefined || s.states >= slots) return new Set(all);
  const rng = new Rng([seed, SALT_STATES]);
  for (let i = slots - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return new Set(all.slice(0, s.states));
}

export interface PassPlan {
  /** item indices to label, in order */
  rows: number[];
  /** whole-pass members to roll out */
  groups: number;
}

/** The rollouts of one labelled pass of `n` items, cut to what the remaining budget allows. */
export function planPass(
  s: RolloutSettings,
  n: number,
  masks: ArrayLike<number>,
  seed: number,
  pass: number,
  spent: number,
): PassPlan {
  const order = Array.from({ length: n }, (_, i) => i);
  if (s.items !== undefined && s.items < n) {
    const rng = new Rng([seed, SALT_ITEMS, pass]);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    order.length = s.items;
    order.sort((a, b) => a - b);
  }
  const left = (s.budget ?? Infinity) - spent;
  const cost = (rows: number[], g: number) => itemJobsCost(masks, rows, s.horizon) + g * s.horizon;
  let groups = s.groups;
  const rows = [...order];
  while (rows.length && cost(rows, groups) > left) rows.pop();
  if (cost(rows, groups) > left) groups = 0;
  return { rows, groups };
}

/**
 * G whole-pass action vectors drawn from the policy's (epsilon-mixed) probabilities, each through the change
 * cap, with a generator per (stream, pass, member): the same members however the run was interrupted.
 */
export function sampleMembers(
  probs: Float32Array,
  masks: Float32Array,
  rows: number,
  governance: Governance,
  seed: number,
  pass: number,
  groups: number,
): Int32Array[] {
  return Array.from({ length: groups }, (_, g) => {
    const p = probs.slice();
    const sampled = sampleRows(p, masks, rows, new Rng([seed, SALT_GROUPS, pass, g]));
    return chooseWithCap(p, masks.slice(), rows, governance, sampled);
  });
}
