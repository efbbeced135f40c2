/**
 * One curation pass of an endpoint run over the live library: observe → featurize → governance masks →
 * behaviour probabilities → epsilon-uniform mixing → seeded sampling (one generator per pass, so a resumed run
 * draws the same; evaluation takes the most probable action instead, as simulated evaluation does, and samples
 * only a stochastic curator) → change cap → applyCuration (what EndpointHarness.curate runs: compress / rewrite through
 * the rewriter, retire to the archive). The rewrite evidence is the use log the collector saves with its
 * state (recordUses), so that a resumed run sends the very prompts an uninterrupted one does.
 */
import type { EndpointHarness, HarnessState } from "../executors/endpoint/harness.js";
import { applyCuration, defaultEvidence, type ChatClient } from "../executors/endpoint/curation.js";
import { DEFAULT_PRICES, type EndpointProfile } from "../executors/endpoint/profile.js";
import type { Task } from "../tasks/task.js";
import type { LibraryItem } from "../schemas/item.js";
import { mixUniform, type Curator } from "../curators/types.js";
import { featurizeObserved, observeLibrary } from "../features/observe.js";
import { governanceMasks } from "../governance/rules.js";
import { chooseWithCap, sampleRows } from "../governance/choose.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Governance } from "../schemas/world.js";
import { ACTIONS } from "../actions.js";
import { Rng } from "../util/rng.js";
import type { PassRecord } from "./journal.js";
import { capMarginals } from "../governance/propensity.js";
import type { PassLabels } from "../labels/label-pass.js";

/** The labels as the journal keeps them (JSON: a missing label is null). */
export function labelRecord(l: PassLabels): Pick<PassRecord, "counterfactuals" | "group" | "spend"> {
  const json = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
  return {
    ...(l.counterfactuals
      ? { counterfactuals: { success: json(l.counterfactuals.success), cost: json(l.counterfactuals.cost) } }
      : {}),
    ...(l.group ? { group: { actions: l.group.actions.map((a) => Array.from(a)), returns: l.group.returns } } : {}),
    spend: l.spend,
  };
}

/** Per live item, its last uses ("- task ID (succeeded): prompt…"): the evidence a rewrite call is shown. */
export type UseLog = Record<string, string[]>;

export interface PassInput {
  harness: EndpointHarness;
  profile: EndpointProfile;
  rewriter: ChatClient;
  behavior: Curator;
  epsilon: number;
  governance: Governance;
  /** the stream seed and the pass index seed this pass's sampling */
  seed: number;
  pass: number;
  /** the executor's running success rate and budget use */
  exec: { successRate: number; budgetUse: number };
  uses: Readonly<UseLog>;
  /** evaluation: the most probable allowed action per item (a stochastic curator is still sampled); default: sample */
  argmax?: boolean;
  /** texts of the tasks run so far, oldest first (the last RECENT_TASKS give the items' relevance) */
  recentTasks?: readonly string[];
  /** the task the pass follows (rewrite evidence) */
  latestTask?: Task;
  /** what the behaviour reads beyond the observations (the oracle: its rollout values; see OracleContext) */
  privileged?: unknown;
  /** --labels rollout: labels the pass from forks of the library before the behaviour's actions are applied */
  label?: (pass: { rows: number; masks: Float32Array; probs: Float32Array }) => Promise<PassLabels | undefined>;
}

export interface PassOutput {
  record: PassRecord;
  /** the library after the pass, to continue the harness from */
  library: HarnessState;
  /** USD and tokens of the compress / rewrite calls */
  cost: number;
  tokens: number;
}

/** Stands in for a simulated profile where observeLibrary asks for one: only name and budget are read (stats are given). */
function observedProfile(p: EndpointProfile): ExecutorProfile {
  return {
    name: p.name,
    baseSkill: 0,
    contextBudget: p.contextBudget,
    distraction: 0,
    utilization: 0,
    verification: 0,
    authoring: { rate: 0, genericRate: 0, meanTokens: 1, errorRate: 0 },
  };
}

/** Keeps the last 3 uses of each item retrieved for a task, as the harness does for rewrite evidence. */
export function recordUses(uses: UseLog, task: Task, ids: readonly string[], success: boolean): void {
  const line = `- task ${task.id} (${success ? "succeeded" : "failed"}): ${task.prompt.slice(0, 200)}`;
  for (const id of ids) uses[id] = [...(uses[id] ?? []), line].slice(-3);
}

/**
 * What a rewrite is shown: the item's statistics, the last tasks that used it, and the stream's latest task (what
 * the library serves now: an item not used since its procedure changed can still be brought up to date).
 */
export function rewriteEvidence(item: LibraryItem, uses: UseLog, latestTask: Task | undefined): string {
  const latest = latestTask ? [`- latest task of the stream ${latestTask.id}: ${latestTask.prompt.slice(0, 200)}`] : [];
  return [defaultEvidence(item), ...(uses[item.id] ?? []), ...latest].join("\n");
}

export async function curationPass(input: PassInput): Promise<PassOutput> {
  const { harness, profile, governance } = input;
  const items = [...harness.live];
  const rows = items.length;
  const obs = observeLibrary(items, {
    now: harness.step,
    executor: observedProfile(profile),
    executorStats: { ...input.exec, contextBudget: profile.contextBudget },
    recentTasks: input.recentTasks,
  });
  const features = featurizeObserved(obs);
  const governed = items.map((it, i) => ({
    pinned: it.pinned === true,
    tags: it.tags ?? [],
    kind: it.kind,
    age: obs.observations[i].age,
  }));
  const masks = governanceMasks(governed, governance);
  const probs = Float32Array.from(
    await input.behavior.probs({
      rows,
      features,
      masks,
      items: obs.observations,
      executor: obs.executor,
      privileged: input.privileged,
    }),
  );
  if (input.epsilon > 0) mixUniform(probs, masks, rows, input.epsilon);
  const labelled = await input.label?.({ rows, masks, probs });
  const sampled =
    input.argmax && !input.behavior.stochastic
      ? undefined
      : sampleRows(probs, masks, rows, new Rng(new Rng([input.seed, 0xbe4a, input.pass]).nextU32()));
  // Behaviour propensities describe sampled passes; an evaluation pass (argmax) logs no rows.
  const propensities = sampled ? capMarginals(probs, masks, rows, governance) : undefined;
  const capped = masks.slice();
  const actions = chooseWithCap(probs, capped, rows, governance, sampled);
  const decisions = items.map((it, i) => ({ itemId: it.id, action: ACTIONS[actions[i]] }));
  const res = await applyCuration(harness.snapshot(), decisions, input.rewriter, {
    step: harness.step,
    prices: profile.prices ?? DEFAULT_PRICES,
    evidence: (it) => rewriteEvidence(it, input.uses, input.latestTask),
  });
  const callCost = new Map<string, number>();
  for (const c of res.calls) callCost.set(c.itemId, (callCost.get(c.itemId) ?? 0) + c.cost);
  const record: PassRecord = {
    pass: input.pass,
    step: harness.step,
    itemIds: items.map((it) => it.id),
    features: Array.from(features),
    masks: Array.from(capped),
    probs: Array.from(probs),
    ...(propensities ? { propensities: Array.from(propensities) } : {}),
    actions: Array.from(actions),
    actionCosts: items.map((it) => callCost.get(it.id) ?? 0),
    execSuccessRate: input.exec.successRate,
    ...(labelled ? labelRecord(labelled) : {}),
  };
  const library = { live: res.live, archive: res.archive, step: harness.step };
  return { record, library, cost: res.cost, tokens: res.promptTokens + res.cachedTokens + res.outputTokens };
}
