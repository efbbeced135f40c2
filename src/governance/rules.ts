/**
 * Governance rules become the action mask every curator sees (learned or baseline), so no curator can break
 * them. Per-item rules are static masks; the per-pass change cap is enforced after the curator has scored the
 * items, by ranking.
 *
 * - pinned items are frozen: only `keep` is allowed (a pinned item is never retired, compressed or rewritten);
 * - items with a protected tag or kind, or younger than `minAgeToRetire` tasks, cannot be retired;
 * - at most `maxChangeShare` of the live library (rounded down, at least 1 when the share is > 0) may be
 *   retired or rewritten in one pass: the most confident such decisions win, the rest fall back to their best
 *   action among keep / compress (enforced in ./choose.ts, after scoring).
 */
import { NUM_ACTIONS } from "../actions.js";
import type { Governance } from "../schemas/world.js";
import { GovernanceSchema } from "../schemas/world.js";

export interface GovernedItem {
  pinned: boolean;
  tags: readonly string[];
  kind: "skill" | "context";
  age: number;
}

/** The documented default for libraries that carry no rules: at most 10% changed per pass. */
export const DEFAULT_GOVERNANCE: Governance = GovernanceSchema.parse({});

export function maskFor(item: GovernedItem, rules: Governance, out: Float32Array, offset: number): void {
  out[offset] = 1;
  if (item.pinned) {
    out[offset + 1] = out[offset + 2] = out[offset + 3] = 0;
    return;
  }
  out[offset + 1] = 1;
  out[offset + 2] = 1;
  const protectedItem =
    item.age < rules.minAgeToRetire ||
    rules.protectedKinds.includes(item.kind) ||
    item.tags.some((t) => rules.protectedTags.includes(t));
  out[offset + 3] = protectedItem ? 0 : 1;
}

export function governanceMasks(items: readonly GovernedItem[], rules: Governance): Float32Array {
  const out = new Float32Array(items.length * NUM_ACTIONS);
  for (let r = 0; r < items.length; r++) maskFor(items[r], rules, out, r * NUM_ACTIONS);
  return out;
}

/** The rules of `candidate` that are looser than `reference`'s (empty: at least as strict in every rule). */
export function looserRules(candidate: Governance, reference: Governance): string[] {
  const out: string[] = [];
  if (candidate.maxChangeShare > reference.maxChangeShare)
    out.push(`maxChangeShare ${candidate.maxChangeShare} > ${reference.maxChangeShare}`);
  if (candidate.minAgeToRetire < reference.minAgeToRetire)
    out.push(`minAgeToRetire ${candidate.minAgeToRetire} < ${reference.minAgeToRetire}`);
  const lostTags = reference.protectedTags.filter((t) => !candidate.protectedTags.includes(t));
  if (lostTags.length) out.push(`protectedTags lacks ${lostTags.join(", ")}`);
  const lostKinds = reference.protectedKinds.filter((k) => !candidate.protectedKinds.includes(k));
  if (lostKinds.length) out.push(`protectedKinds lacks ${lostKinds.join(", ")}`);
  if (reference.probation && JSON.stringify(candidate.probation) !== JSON.stringify(reference.probation))
    out.push("probation differs");
  return out;
}
