/**
 * How the journal of an endpoint run (../endpoint-run/journal.ts) becomes dataset rows — the same columns and horizon rewards as the simulated collector's
 * rows.ts. Real tasks have no hidden truth: their rows hold family -1, p_success NaN, stale_hit /
 * contamination_follow / drift_hit false and generic_share 0 (see TASK_COLUMNS).
 */
import type { JournalEntry, StreamIdentity } from "../endpoint-run/journal.js";
import { horizonOutcome, pushPassRows, type ColumnsOut } from "./rows.js";
import { pushGroupRows } from "./group-rows.js";

/** Decision rows of one stream, with rewards over the `horizon` tasks after each pass (as rows.ts computes them). */
export function endpointDecisionRows(
  id: StreamIdentity,
  journal: readonly JournalEntry[],
  horizon: number,
  out: ColumnsOut,
): void {
  const tasks = journal.map((e) => e.task);
  const nan = (v: number | null) => (v === null ? Number.NaN : v);
  for (const { pass: p } of journal) {
    if (!p) continue;
    const cf = p.counterfactuals
      ? { success: p.counterfactuals.success.map(nan), cost: p.counterfactuals.cost.map(nan) }
      : null;
    pushPassRows(out, { ...id, ...p, counterfactuals: cf }, horizonOutcome(tasks, p.step, horizon));
  }
}

/** Group rows of one stream (--rollout-groups G). */
export function endpointGroupRows(id: StreamIdentity, journal: readonly JournalEntry[], out: ColumnsOut): void {
  for (const { pass: p } of journal)
    if (p?.group)
      pushGroupRows(out, {
        streamId: id.streamId,
        pass: p.pass,
        step: p.step,
        itemIds: p.itemIds,
        group: { actions: p.group.actions.map((a) => Int32Array.from(a)), returns: p.group.returns },
      });
}

export function endpointTaskRows(id: StreamIdentity, journal: readonly JournalEntry[], out: ColumnsOut): void {
  for (const { task: r } of journal) {
    out.stream_id.push(id.streamId);
    out.stream_seed.push(id.seed);
    out.executor.push(id.executor);
    out.step.push(r.step);
    out.family.push(-1);
    out.success.push(r.success);
    out.p_success.push(Number.NaN);
    out.items_in_context.push(r.itemsInContext);
    out.prompt_tokens.push(r.promptTokens);
    out.cached_tokens.push(r.cachedTokens);
    out.output_tokens.push(r.outputTokens);
    out.curation_tokens.push(r.curationTokens);
    out.cost.push(r.cost);
    out.stale_hit.push(false);
    out.contamination_follow.push(false);
    out.drift_hit.push(false);
    out.library_size.push(r.librarySize);
    out.library_tokens.push(r.libraryTokens);
    out.generic_share.push(0);
    out.authored.push(r.authored);
  }
}
