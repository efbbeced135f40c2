/**
 * The world's counterparts of the content features a harness computes from real text (src/features/content.ts):
 * hidden truth drawn per item (placeholder text, very short generic advice, a skill calling another skill) and
 * the observable values read from it (relevance to the recent tasks' families plus noise, the useful-core share
 * of the item's tokens plus noise). Every draw is a hash of (seed, item id[, step]), never the world's sequential
 * generators, so adding these leaves every other draw of a stream unchanged. The numbers are matched to the real
 * sources' distributions (docs/results/features-obs-v2.md, the calibration card).
 */
import { hash01 } from "../util/rng.js";
import type { SimItem } from "./item.js";

export const WORLD_CONTENT = {
  /** share of items written as placeholders (elided or empty text): no actionable content */
  placeholderRate: 0.02,
  /** share of generic items that are very short advice */
  shortGenericShare: 0.35,
  /** share of family skills that call another live skill of their family */
  callRate: 0.3,
  /** observed relevance per recent task: same family / generic item / other family, plus normal noise (clamped 0..1) */
  relevance: { same: 0.3, generic: 0.12, other: 0.04, noiseSd: 0.05 },
  /** observed core share = base + slope · (core tokens / tokens) + normal noise, clamped 0..1 */
  coreShare: { base: 0.3, slope: 0.35, noiseSd: 0.06 },
} as const;

const SALT_PLACEHOLDER = 0x61;
const SALT_SHORT = 0x62;
const SALT_CALL = 0x63;
const SALT_RELEVANCE = 0x64;
const SALT_CORE = 0x65;

/** A standard normal from two hashes of the same key (Box-Muller). */
function hashNormal(a: number, b: number, salt: number): number {
  const u1 = 1 - hash01(a, b, salt);
  const u2 = hash01(b, a, salt ^ 0x5a5a);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Draws a new item's content truth, in place; `live` are the items already in the library (callee candidates). */
export function drawContent(it: SimItem, live: readonly SimItem[], seed: number): SimItem {
  it.placeholder = false;
  it.shortGeneric = false;
  it.calls = -1;
  if (hash01(it.id, 1, seed ^ SALT_PLACEHOLDER) < WORLD_CONTENT.placeholderRate) {
    it.placeholder = true;
    it.actionability = 0;
    it.tokens = 30 + Math.floor(30 * hash01(it.id, 2, seed ^ SALT_PLACEHOLDER));
    it.coreTokens = 0;
  } else if (it.family < 0 && hash01(it.id, 1, seed ^ SALT_SHORT) < WORLD_CONTENT.shortGenericShare) {
    it.shortGeneric = true;
    it.tokens = 30 + Math.floor(20 * hash01(it.id, 2, seed ^ SALT_SHORT));
    it.coreTokens = Math.min(it.coreTokens, it.tokens);
  }
  if (it.isSkill && it.family >= 0 && !it.placeholder && hash01(it.id, 1, seed ^ SALT_CALL) < WORLD_CONTENT.callRate) {
    const callees = live.filter((x) => x.isSkill && x.family === it.family && x.id !== it.id && !x.placeholder);
    if (callees.length) it.calls = callees[Math.floor(hash01(it.id, 2, seed ^ SALT_CALL) * callees.length)].id;
  }
  return it;
}

/** A caller whose callee left the live library is broken: following it misleads the executor like a wrong item. */
export function isBroken(it: SimItem, liveIds: ReadonlySet<number>): boolean {
  return it.calls >= 0 && !liveIds.has(it.calls);
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Observed relevance of an item to the families of the recent tasks (null when no task has run yet). */
export function worldRelevance(
  it: SimItem,
  recentFamilies: readonly number[],
  step: number,
  seed: number,
): number | null {
  if (recentFamilies.length === 0) return null;
  const r = WORLD_CONTENT.relevance;
  let sum = 0;
  for (const f of recentFamilies)
    sum += it.placeholder ? 0 : it.family === f ? r.same : it.family < 0 ? r.generic : r.other;
  return clamp01(sum / recentFamilies.length + r.noiseSd * hashNormal(it.id, step, seed ^ SALT_RELEVANCE));
}

/** Observed share of the useful core: stable while the content is (keyed by the last content change). */
export function worldCoreShare(it: SimItem, seed: number): number {
  if (it.placeholder) return 0;
  const c = WORLD_CONTENT.coreShare;
  return clamp01(
    c.base +
      (c.slope * it.coreTokens) / Math.max(1, it.tokens) +
      c.noiseSd * hashNormal(it.id, it.changedAt, seed ^ SALT_CORE),
  );
}
