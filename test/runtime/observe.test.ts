import { describe, expect, it } from "vitest";
import { observeLibrary, OBSERVATION_DEFAULTS } from "../../src/features/observe.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { similarityStats } from "../../src/text/similarity.js";
import { countTokens } from "../../src/text/tokens.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const mid = { ...EXECUTOR_PRESETS.mid, authoring: { ...EXECUTOR_PRESETS.mid.authoring } };

describe("observeLibrary", () => {
  it("derives item observations from stats, with now = the task after the largest task index seen", () => {
    const items: LibraryItem[] = [
      {
        id: "a",
        kind: "skill",
        content: "x",
        tokens: 120,
        author: "mid",
        stats: {
          createdAt: 10,
          lastRetrievedAt: 90,
          timesRetrieved: 7,
          successes: 5,
          failures: 2,
          recentSuccesses: 1,
          recentFailures: 2,
          helpful: 3,
          harmful: 1,
          writtenAfterFailure: true,
          rewrites: 1,
          compressions: 2,
        },
      },
      {
        id: "b",
        kind: "context",
        content: "y",
        tokens: 30,
        author: "weak",
        stats: { createdAt: 40, lastRetrievedAt: null },
      },
      { id: "c", kind: "context", content: "z", tokens: 5 },
    ];
    const o = observeLibrary(items, { executor: mid });
    expect(o.now).toBe(91); // the decision comes after task 90 (featurizer obs-v2)
    expect(o.observations[0]).toMatchObject({
      age: 81,
      sinceRetrieved: 1,
      timesRetrieved: 7,
      successes: 5,
      failures: 2,
      recentSuccesses: 1,
      recentFailures: 2,
      helpful: 3,
      harmful: 1,
      writtenAfterFailure: true,
      tokens: 120,
      isSkill: true,
      rewrites: 1,
      compressions: 2,
      authorIsCurrent: true,
      maxSimilarity: expect.any(Number),
      nearDuplicates: expect.any(Number),
    });
    // Never retrieved: sinceRetrieved = age.
    expect(o.observations[1]).toMatchObject({
      age: 51,
      sinceRetrieved: 51,
      timesRetrieved: 0,
      authorIsCurrent: false,
      isSkill: false,
    });
    // No stats: a fresh item.
    expect(o.observations[2]).toMatchObject({
      age: 0,
      sinceRetrieved: 0,
      timesRetrieved: 0,
      successes: 0,
      failures: 0,
      helpful: 0,
      harmful: 0,
      writtenAfterFailure: false,
      rewrites: 0,
    });
    expect(o.library).toEqual({ size: 3, totalTokens: 155 });
  });

  it("an explicit now wins; ages never go negative; executorName decides authorship", () => {
    const items: LibraryItem[] = [
      { id: "a", kind: "skill", content: "x", author: "me", stats: { createdAt: 50, lastRetrievedAt: 60 } },
    ];
    const o = observeLibrary(items, { executor: mid, now: 40, executorName: "me" });
    expect(o.observations[0]).toMatchObject({ age: 0, sinceRetrieved: 0, authorIsCurrent: true });
    expect(observeLibrary(items, { executor: mid, now: 100 }).observations[0]).toMatchObject({
      age: 50,
      sinceRetrieved: 40,
      authorIsCurrent: false,
    });
  });

  it("counts tokens from content and computes similarity only where the item lacks it", () => {
    const contents = [
      "retry the deploy with backoff and jitter",
      "retry the deploy with backoff and jitter now",
      "parse csv rows",
    ];
    const items: LibraryItem[] = contents.map((content, i) => ({ id: String(i), kind: "context", content }));
    const sims = similarityStats(contents);
    const o = observeLibrary(items, { executor: mid });
    o.observations.forEach((ob, i) => {
      expect(ob.tokens).toBe(countTokens(contents[i]));
      expect([ob.maxSimilarity, ob.nearDuplicates]).toEqual([sims[i].max, sims[i].nearDuplicates]);
    });
    const partial = items.map((it, i) => (i === 1 ? { ...it, similarity: { max: 0.123, nearDuplicates: 9 } } : it));
    const p = observeLibrary(partial, { executor: mid });
    expect([p.observations[1].maxSimilarity, p.observations[1].nearDuplicates]).toEqual([0.123, 9]);
    expect([p.observations[0].maxSimilarity, p.observations[0].nearDuplicates]).toEqual([
      sims[0].max,
      sims[0].nearDuplicates,
    ]);
  });

  it("executor success rate: given > pooled library outcomes (≥ 10) > sigmoid(baseSkill)", () => {
    const few: LibraryItem[] = [{ id: "a", kind: "skill", content: "x", stats: { successes: 3, failures: 2 } }];
    expect(observeLibrary(few, { executor: mid }).executor.successRate).toBeCloseTo(1 / (1 + Math.exp(-mid.baseSkill)));
    const many: LibraryItem[] = [
      ...few,
      { id: "b", kind: "skill", content: "y", stats: { successes: 1, failures: 4 } },
    ];
    expect(observeLibrary(many, { executor: mid }).executor.successRate).toBeCloseTo(4 / 10);
    expect(observeLibrary(many, { executor: mid, executorStats: { successRate: 0.9 } }).executor.successRate).toBe(0.9);
    expect(OBSERVATION_DEFAULTS.minPooledOutcomes).toBe(10);
  });

  it("budget use: summed tokens of the 4 most-retrieved items over the budget, capped at 1; 0 when nothing was retrieved", () => {
    const mk = (id: string, tokens: number, timesRetrieved: number): LibraryItem => ({
      id,
      kind: "skill",
      content: "x",
      tokens,
      stats: { timesRetrieved },
    });
    const items = [
      mk("e", 4000, 1),
      mk("a", 400, 9),
      mk("b", 800, 8),
      mk("c", 200, 7),
      mk("d", 600, 6),
      mk("f", 9000, 0),
      mk("g", 300, 6),
    ];
    const o = observeLibrary(items, { executor: mid });
    // Top 4 by retrievals: a, b, c, then d (600 tokens) over g (300) on the tie.
    expect(o.executor.budgetUse).toBeCloseTo((400 + 800 + 200 + 600) / mid.contextBudget);
    expect(o.executor.contextBudget).toBe(mid.contextBudget);
    expect(observeLibrary([mk("big", 99999, 3)], { executor: mid }).executor.budgetUse).toBe(1);
    expect(observeLibrary([mk("z", 100, 0)], { executor: mid }).executor.budgetUse).toBe(0);
    expect(
      observeLibrary(items, { executor: mid, executorStats: { budgetUse: 0.3, contextBudget: 1000 } }).executor,
    ).toMatchObject({ budgetUse: 0.3, contextBudget: 1000 });
  });
});
