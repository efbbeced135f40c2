/**
 * Turns a simulated stream run into dataset rows (columns keyed by DECISION_COLUMNS / TASK_COLUMNS names),
 * including the per-decision reward signals over the horizon after each pass.
 */
import { FEATURE_NAMES, NUM_FEATURES } from "../features/featurizer.js";
import { ACTIONS, ACTION_INDEX, NUM_ACTIONS } from "../actions.js";
import { featureColumn, type ColumnSpec } from "../schemas/dataset.js";
import { allocateColumn, type ColumnInput } from "../data/parquet.js";
import type { StreamRun } from "../world/stream.js";

export type ColumnsOut = Record<string, (number | string | boolean | null)[]>;

export function emptyColumns(specs: readonly ColumnSpec[]): ColumnsOut {
  return Object.fromEntries(specs.map((c) => [c.name, []]));
}

/**
 * Packs per-stream boxed rows into the Parquet writer's columns, one per spec (reading a dataset joins typed
 * columns instead: data/dataset.ts concatColumns). Each part's column is released as soon as it is
 * copied, so a million-row collection never holds two boxed copies of a column.
 */
export function packColumns(
  specs: readonly ColumnSpec[],
  parts: ColumnsOut[],
): { columns: Record<string, ColumnInput>; rows: number } {
  const rows = parts.reduce((s, p) => s + p[specs[0].name].length, 0);
  const columns: Record<string, ColumnInput> = {};
  for (const spec of specs) {
    // Numeric columns without nulls go straight into their in-memory typed array (a quarter of the memory of
    // boxed numbers, and the writer's fast path); the others stay plain arrays for the writer to check.
    const boxed = spec.nullable || spec.type === "BOOLEAN" || spec.type === "STRING";
    const out = (boxed ? new Array(rows) : allocateColumn(spec, rows)) as { [i: number]: unknown } & ColumnInput;
    let at = 0;
    for (const p of parts) {
      const src = p[spec.name];
      for (let i = 0; i < src.length; i++) out[at + i] = src[i];
      at += src.length;
      p[spec.name] = [];
    }
    columns[spec.name] = out;
  }
  return { columns, rows };
}

/** What the tasks after a curation pass need to carry for the horizon rewards. */
export interface HorizonTask<K> {
  success: boolean;
  cost: number;
  /** items retrieved into the prompt, and the USD of each one's prompt tokens */
  contextIds: readonly K[];
  contextCosts: ArrayLike<number>;
}

export interface ItemHits {
  n: number;
  s: number;
  c: number;
}

export interface HorizonOutcome<K> {
  tasks: number;
  successes: number;
  cost: number;
  /** per retrieved item: hits, successes of the tasks it was in, and its prompt-token cost */
  hits: Map<K, ItemHits>;
}

/** The reward signals over the `horizon` tasks from `step` on (the one definition both collectors use). */
export function horizonOutcome<K>(tasks: readonly HorizonTask<K>[], step: number, horizon: number): HorizonOutcome<K> {
  const end = Math.min(tasks.length, step + horizon);
  let successes = 0;
  let cost = 0;
  const hits = new Map<K, ItemHits>();
  for (let t = step; t < end; t++) {
    const r = tasks[t];
    successes += r.success ? 1 : 0;
    cost += r.cost;
    r.contextIds.forEach((id, j) => {
      const h = hits.get(id) ?? { n: 0, s: 0, c: 0 };
      h.n++;
      h.s += r.success ? 1 : 0;
      h.c += r.contextCosts[j];
      hits.set(id, h);
    });
  }
  return { tasks: end - step, successes, cost, hits };
}

/** One curation pass as the decisions table needs it, whichever collector ran it. */
export interface PassRows {
  streamId: number;
  seed: number;
  executor: string;
  step: number;
  pass: number;
  itemIds: readonly string[];
  /** rows × NUM_FEATURES raw features; rows × 4 masks, behaviour probabilities */
  features: ArrayLike<number>;
  masks: ArrayLike<number>;
  probs: ArrayLike<number>;
  actions: ArrayLike<number>;
  actionCosts: ArrayLike<number>;
  execSuccessRate: number;
  /** rows × 4 behaviour propensities of the final action (change cap included); NaN where not recorded */
  propensities?: ArrayLike<number>;
  /** rows × 4 counterfactual successes and costs (oracle labels), NaN where unknown; null without labels */
  counterfactuals: { success: ArrayLike<number>; cost: ArrayLike<number> } | null;
}

/** Appends one row per item of a pass; retired items get no item hits (they left the library). */
export function pushPassRows(out: ColumnsOut, p: PassRows, horizon: HorizonOutcome<string>): void {
  const orNull = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : v);
  for (let i = 0; i < p.itemIds.length; i++) {
    const h = p.actions[i] === ACTION_INDEX.retire ? undefined : horizon.hits.get(p.itemIds[i]);
    out.stream_id.push(p.streamId);
    out.stream_seed.push(p.seed);
    out.executor.push(p.executor);
    out.step.push(p.step);
    out.pass.push(p.pass);
    out.item_id.push(p.itemIds[i]);
    for (let f = 0; f < NUM_FEATURES; f++) out[featureColumn(FEATURE_NAMES[f])].push(p.features[i * NUM_FEATURES + f]);
    ACTIONS.forEach((a, k) => out[`mask_${a}`].push(p.masks[i * NUM_ACTIONS + k] > 0));
    out.action.push(p.actions[i]);
    ACTIONS.forEach((a, k) => out[`behavior_p_${a}`].push(p.probs[i * NUM_ACTIONS + k]));
    out.propensity.push(p.propensities?.[i * NUM_ACTIONS + p.actions[i]] ?? Number.NaN);
    ACTIONS.forEach((a, k) => out[`propensity_${a}`].push(p.propensities?.[i * NUM_ACTIONS + k] ?? Number.NaN));
    out.horizon_tasks.push(horizon.tasks);
    out.horizon_successes.push(horizon.successes);
    out.horizon_cost.push(horizon.cost);
    out.item_hits.push(h?.n ?? 0);
    out.item_successes.push(h?.s ?? 0);
    out.item_token_cost.push(h?.c ?? 0);
    out.action_cost.push(p.actionCosts[i]);
    out.exec_success_rate.push(p.execSuccessRate);
    const cf = p.counterfactuals;
    ACTIONS.forEach((a, k) => {
      out[`cf_success_${a}`].push(orNull(cf?.success[i * NUM_ACTIONS + k]));
      out[`cf_cost_${a}`].push(orNull(cf?.cost[i * NUM_ACTIONS + k]));
    });
  }
}

export function decisionRows(run: StreamRun, horizon: number, out: ColumnsOut): void {
  const { spec, tasks, passes } = run;
  for (const p of passes) {
    const h = horizonOutcome(tasks, p.step, horizon);
    const hits = new Map([...h.hits].map(([id, v]) => [String(id), v]));
    pushPassRows(
      out,
      {
        streamId: spec.streamId,
        seed: spec.seed,
        executor: spec.executors[p.executor].name,
        step: p.step,
        pass: p.pass,
        itemIds: Array.from(p.itemIds, String),
        features: p.batch.features,
        masks: p.batch.masks,
        probs: p.probs,
        actions: p.actions,
        actionCosts: p.actionCosts,
        execSuccessRate: p.batch.executor.successRate,
        counterfactuals: p.counterfactuals ?? null,
        propensities: p.propensities,
      },
      { ...h, hits },
    );
  }
}

export function taskRows(run: StreamRun, out: ColumnsOut): void {
  const { spec } = run;
  for (const r of run.tasks) {
    out.stream_id.push(spec.streamId);
    out.stream_seed.push(spec.seed);
    out.executor.push(spec.executors[r.executor].name);
    out.step.push(r.step);
    out.family.push(r.family);
    out.success.push(r.success);
    out.p_success.push(r.pSuccess);
    out.items_in_context.push(r.contextIds.length);
    out.prompt_tokens.push(r.promptTokens);
    out.cached_tokens.push(r.cachedTokens);
    out.output_tokens.push(r.outputTokens);
    out.curation_tokens.push(r.curationTokens);
    out.cost.push(r.cost);
    out.stale_hit.push(r.staleHit);
    out.contamination_follow.push(r.contaminationFollow);
    out.drift_hit.push(r.driftHit);
    out.library_size.push(r.librarySize);
    out.library_tokens.push(r.libraryTokens);
    out.generic_share.push(r.genericShare);
    out.authored.push(r.authored);
  }
}
