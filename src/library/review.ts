/** The human-readable review of a decide pass (`curator decide --dry-run` and the summary after writing). */
import type { Action } from "../actions.js";
import type { Governance } from "../schemas/world.js";
import type { Decision } from "../runtime/decide.js";
import { maxOf } from "../util/arrays.js";

const ID_WIDTH = 28;

function cut(s: string, w: number): string {
  return s.length <= w ? s.padEnd(w) : `${s.slice(0, w - 1)}…`;
}

/** One row per item: id, action, the chosen action's probability, and why. Changes first, then keeps. */
export function formatReview(decisions: readonly Decision[], opts: { changesOnly?: boolean } = {}): string {
  const order = (d: Decision) => (d.action === "keep" ? 1 : 0);
  const rows = [...decisions]
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => !opts.changesOnly || d.action !== "keep")
    .sort((a, b) => order(a.d) - order(b.d) || a.i - b.i);
  const idW = Math.min(ID_WIDTH, maxOf(rows.map(({ d }) => d.id.length), 4));
  const lines = [`${"item".padEnd(idW)}  ${"action".padEnd(8)}  ${"p".padStart(5)}  why`];
  lines.push(`${"-".repeat(idW)}  ${"-".repeat(8)}  ${"-".repeat(5)}  ${"-".repeat(40)}`);
  for (const { d } of rows) lines.push(`${cut(d.id, idW)}  ${d.action.padEnd(8)}  ${d.probs[d.action].toFixed(3)}  ${d.reason}`);
  return lines.join("\n");
}

/** How many decisions chose each action (every action present, ACTIONS order). */
export function countActions(decisions: readonly Pick<Decision, "action">[]): Record<Action, number> {
  const c: Record<Action, number> = { keep: 0, compress: 0, rewrite: 0, retire: 0 };
  for (const d of decisions) c[d.action]++;
  return c;
}

export function describeGovernance(g: Governance, source: string | null): string {
  const parts = [`at most ${Math.round(g.maxChangeShare * 100)}% retired or rewritten per pass`];
  if (g.minAgeToRetire > 0) parts.push(`no retirement before ${g.minAgeToRetire} tasks of age`);
  if (g.protectedTags.length) parts.push(`tags never retired: ${g.protectedTags.join(", ")}`);
  if (g.protectedKinds.length) parts.push(`kinds never retired: ${g.protectedKinds.join(", ")}`);
  parts.push("pinned items only kept");
  return `${source ? `governance from ${source}` : "default governance (no governance.json beside the library)"}: ${parts.join("; ")}`;
}
