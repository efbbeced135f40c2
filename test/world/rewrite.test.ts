/**
 * What a rewrite does in SkillWorld (issue 18, transfer): it fixes flawed content (stale, wrong, placeholder,
 * detail lost to compression), and regenerating sound content loses some of its detail (ACE's context collapse),
 * so a rewrite is no free compression of a healthy verbose item.
 */
import { describe, expect, it } from "vitest";
import { applyRewrite, REWRITE_COLLAPSE } from "../../src/world/actions.js";
import type { SimItem } from "../../src/world/item.js";
import { WorldConfigSchema } from "../../src/schemas/world.js";

const cfg = WorldConfigSchema.parse({});

function item(over: Partial<SimItem> = {}): SimItem {
  return {
    id: 7,
    isSkill: false,
    family: 0,
    actionability: 0.4,
    coreTokens: 150,
    version: 2,
    wrong: false,
    detail: 1,
    placeholder: false,
    shortGeneric: false,
    calls: -1,
    tokens: 800,
    createdAt: 0,
    author: 0,
    writtenAfterFailure: false,
    lastRetrievedAt: 5,
    timesRetrieved: 3,
    successes: 3,
    failures: 0,
    recentBits: 7,
    recentLen: 3,
    helpful: 1,
    harmful: 0,
    rewrites: 0,
    compressions: 0,
    changedAt: 0,
    lastContextAt: 5,
    probation: false,
    probationSuccesses: 0,
    ...over,
  };
}

describe("rewrite in SkillWorld", () => {
  it("a sound item keeps its actionability and loses some detail; a stale one is brought up to date with full detail", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ctx = { cfg, seed, step: 10, familyVersion: [2] };
      const sound = item();
      applyRewrite(ctx, sound);
      expect(sound.actionability).toBe(0.4);
      expect(sound.detail).toBeGreaterThanOrEqual(REWRITE_COLLAPSE.min);
      expect(sound.detail).toBeLessThan(REWRITE_COLLAPSE.max);
      const stale = item({ version: 1 });
      applyRewrite(ctx, stale);
      expect(stale.detail).toBe(1);
      if (stale.version === 2) expect(stale.actionability).toBeGreaterThanOrEqual(0.5);
    }
  });
});
