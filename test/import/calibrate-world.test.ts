import { describe, expect, it } from "vitest";
import { calibrateWorld, runUncurated } from "../../src/import/calibrate-world.js";
import { resolveExecutor } from "../../src/executors/presets.js";
import { resolveWorld } from "../../src/world/presets.js";

// Spread of each check over 40 seeds × 3 presets at 4 streams × 100 tasks (sd / largest deviation):
// authored mean tokens / meanTokens − 1: 0.046 / 0.10; growth − rate: 0.022 / 0.065;
// authored wrong share − expected: 0.025 / 0.076; written-after-failure − failure share: 0.025 / 0.098.
const SMALL = { seed: 3, streams: 4, tasks: 100 };

describe("SkillWorld calibration", () => {
  it("is deterministic under the seed", async () => {
    const a = await calibrateWorld(SMALL);
    expect(await calibrateWorld(SMALL)).toEqual(a);
    expect(await calibrateWorld({ ...SMALL, seed: 4 })).not.toEqual(a);
  });

  it("measures what the presets and the world define", async () => {
    const c = await calibrateWorld(SMALL);
    expect(c.presets.map((p) => p.executor)).toEqual(["weak", "mid", "strong"]);
    for (const p of c.presets) {
      const a = p.profile.authoring;
      expect(p.items).toBe(SMALL.streams * c.world.initialItems + p.authoredItems);
      expect(Math.abs(p.authoredTokens!.mean / a.meanTokens - 1)).toBeLessThan(0.25); // placeholders and short generic advice (world/content.ts, ~10% of items) are 30–60 tokens by design
      expect(Math.abs(p.growthPerTask - a.rate)).toBeLessThan(0.1);
      expect(Math.abs(p.authoredWrongShare - p.expectedAuthoredWrongShare)).toBeLessThan(0.1);
      // authoring does not depend on the outcome, so items written after failures follow the failure share
      expect(Math.abs(p.writtenAfterFailureShare - p.taskFailureShare)).toBeLessThan(0.12);
      expect(p.meanTokensPerBudget).toBeCloseTo(a.meanTokens / p.profile.contextBudget, 4);
      expect(p.nearDuplicateShare).toBeGreaterThanOrEqual(0);
      expect(p.nearDuplicateShare).toBeLessThanOrEqual(1);
    }
    // weaker presets write more, longer and more often wrong items
    const [weak, mid, strong] = c.presets;
    expect(weak.authoredTokens!.mean).toBeGreaterThan(strong.authoredTokens!.mean);
    expect(weak.authoredWrongShare).toBeGreaterThan(mid.authoredWrongShare);
    expect(mid.authoredWrongShare).toBeGreaterThan(strong.authoredWrongShare);
  });

  it("leaves the library as the executor wrote it (the none curator changes nothing)", async () => {
    const end = await runUncurated(resolveWorld("default"), resolveExecutor("mid"), 11, 60);
    expect(end.live.length).toBe(end.run.tasks.at(-1)!.librarySize);
    expect(end.world.retired).toHaveLength(0);
    expect(end.run.passes.every((p) => p.actions.every((x) => x === 0))).toBe(true);
    expect(end.live.length - resolveWorld("default").initialItems).toBe(end.run.tasks.filter((t) => t.authored).length);
  });
});
