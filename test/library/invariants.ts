/**
 * The invariants every curation pass must keep, checked from first principles (not by calling the code under
 * test): nothing lost, pinned items untouched, governance obeyed, one chained audit line per decision.
 */
import { expect } from "vitest";
import { ACTIONS } from "../../src/actions.js";
import type { Decision } from "../../src/runtime/decide.js";
import type { LiveItem } from "../../src/library/io.js";
import type { PassOutput } from "../../src/library/apply.js";
import type { Governance } from "../../src/schemas/world.js";
import { auditLine, verifyAuditText } from "../../src/governance/audit.js";

/** The decision comes after the last task an item was retrieved for: "now" is the next task (observe.ts). */
export function expectedNow(items: readonly LiveItem[]): number {
  let now = 0;
  for (const it of items) {
    const last = it.stats?.lastRetrievedAt;
    now = Math.max(now, it.stats?.createdAt ?? 0, last === undefined || last === null ? 0 : last + 1);
  }
  return now;
}

function withoutPending(it: LiveItem): Omit<LiveItem, "pending"> {
  const { pending: _p, ...rest } = it;
  return rest;
}

export function checkPass(
  items: readonly LiveItem[],
  decisions: readonly Decision[],
  plan: PassOutput,
  rules: Governance,
  priorArchive = 0,
): void {
  // One decision and one audit line per item, in order.
  expect(decisions.map((d) => d.id)).toEqual(items.map((i) => i.id));
  const itemLines = plan.audit.filter((e) => e.action !== "pass") as Extract<
    PassOutput["audit"][number],
    { itemId: string }
  >[];
  expect(itemLines.map((e) => [e.itemId, e.action])).toEqual(decisions.map((d) => [d.id, d.action]));
  expect(plan.audit[plan.audit.length - 1]).toMatchObject({
    action: "pass",
    decided: decisions.length,
    live: plan.live.length,
  });

  // Nothing lost: live + new archive entries = input, by id and content.
  const newArchive = plan.archive.slice(priorArchive);
  const liveById = new Map(plan.live.map((it) => [it.id, it]));
  const archById = new Map(newArchive.map((e) => [e.item.id, e.item]));
  expect(liveById.size + archById.size).toBe(items.length);
  expect(plan.live.map((i) => i.id)).toEqual(items.filter((i) => liveById.has(i.id)).map((i) => i.id));
  items.forEach((it, r) => {
    const d = decisions[r];
    const inLive = liveById.get(it.id);
    const inArch = archById.get(it.id);
    expect(Boolean(inLive) !== Boolean(inArch)).toBe(true);
    if (d.action === "retire") expect(inArch).toEqual(it);
    else if (d.action === "keep") expect(inLive).toBe(it);
    else {
      expect(withoutPending(inLive!)).toEqual(withoutPending(it));
      expect(inLive!.pending).toBe(d.action);
    }
  });

  // Governance.
  const now = expectedNow(items);
  const n = items.length;
  const cap = rules.maxChangeShare <= 0 ? 0 : Math.max(1, Math.floor(rules.maxChangeShare * n));
  expect(decisions.filter((d) => d.action === "retire" || d.action === "rewrite").length).toBeLessThanOrEqual(cap);
  items.forEach((it, r) => {
    const d = decisions[r];
    expect(d.allowed).toContain(d.action);
    // The curator's own probabilities: zero where governance masked; the change cap only narrows `allowed`.
    const capMasked = (a: string) => d.cappedFrom !== undefined && (a === "rewrite" || a === "retire");
    for (const a of ACTIONS) if (!d.allowed.includes(a) && !capMasked(a)) expect(d.probs[a]).toBe(0);
    if (d.cappedFrom !== undefined) expect(["rewrite", "retire"]).toContain(d.cappedFrom);
    const total = ACTIONS.reduce((t, a) => t + d.probs[a], 0);
    expect(Math.abs(total - 1)).toBeLessThan(1e-5);
    if (it.pinned) {
      expect(d.action).toBe("keep");
      expect(d.allowed).toEqual(["keep"]);
      expect(liveById.get(it.id)).toBe(it);
    }
    const age = Math.max(0, now - (it.stats?.createdAt ?? now));
    const protectedItem =
      age < rules.minAgeToRetire ||
      rules.protectedKinds.includes(it.kind) ||
      (it.tags ?? []).some((t) => rules.protectedTags.includes(t));
    if (protectedItem) expect(d.allowed).not.toContain("retire");
  });

  // The chain verifies, and the head matches.
  const text = plan.audit.map(auditLine).join("");
  if (priorArchive === 0 && plan.audit[0]?.seq === 1) {
    const v = verifyAuditText(text, plan.head);
    expect(v).toMatchObject({ ok: true, lines: n + 1 });
  }
}
