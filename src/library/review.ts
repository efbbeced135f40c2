/** The human-readable review of a decide pass (`curator decide --dry-run` and the summary after writing). */
import type { Action } from "../actions.js";
import type { Governance } from "../schemas/world.js";
import type { Decision } from "../runtime/decide.js";
import { maxOf } from "../util/arrays.js";

/** Widest id column; longer ids are printed whole (the row's alignment gives way, the id never does). */
const ID_COLUMN_MAX = 48;
const PREVIEW_CHARS = 40;

/**
 * Makes text safe for one terminal line: newline, tab, carriage return, other C0/C1 controls (ESC of ANSI
 * sequences included), DEL and the bidirectional overrides are shown as escapes instead of acting.
 */
export function escapeControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** The first `max` characters of an item's content on one line (whitespace runs collapsed, controls escaped). */
export function contentPreview(content: string, max = PREVIEW_CHARS): string {
  const flat = content.replace(/\s+/g, " ").trim();
  const cut = flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
  return escapeControl(cut);
}

export interface ReviewOptions {
  /** Only the rows whose action is not `keep`. */
  changesOnly?: boolean;
  /** Item contents by id, for the preview column (omitted: no preview column). */
  contents?: ReadonlyMap<string, string>;
}

/**
 * One row per item: the full id, action, the curator's probability of that action, a content preview and why.
 * Changes first, then keeps. A row the change cap overrode says so in its reason.
 */
export function formatReview(decisions: readonly Decision[], opts: ReviewOptions = {}): string {
  const order = (d: Decision) => (d.action === "keep" ? 1 : 0);
  const rows = [...decisions]
    .map((d, i) => ({ d, i, id: escapeControl(d.id) }))
    .filter(({ d }) => !opts.changesOnly || d.action !== "keep")
    .sort((a, b) => order(a.d) - order(b.d) || a.i - b.i);
  const idW = Math.min(
    ID_COLUMN_MAX,
    maxOf(
      rows.map((r) => r.id.length),
      4,
    ),
  );
  const preview = opts.contents !== undefined;
  const pw = PREVIEW_CHARS;
  const head = [
    `${"item".padEnd(idW)}`,
    `${"action".padEnd(8)}`,
    `${"p".padStart(5)}`,
    ...(preview ? ["content".padEnd(pw)] : []),
    "why",
  ];
  const rule = ["-".repeat(idW), "-".repeat(8), "-".repeat(5), ...(preview ? ["-".repeat(pw)] : []), "-".repeat(40)];
  const lines = [head.join("  "), rule.join("  ")];
  for (const { d, id } of rows) {
    const cells = [id.padEnd(idW), d.action.padEnd(8), d.probs[d.action].toFixed(3)];
    if (preview) cells.push(contentPreview(opts.contents!.get(d.id) ?? "").padEnd(pw));
    cells.push(escapeControl(d.reason));
    lines.push(cells.join("  "));
  }
  if (opts.changesOnly) lines.push(`(${decisions.length - rows.length} kept item(s) not shown)`);
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
