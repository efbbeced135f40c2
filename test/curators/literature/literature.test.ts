import { describe, expect, it } from "vitest";
import type { ExecutorObservation, ItemObservation } from "../../../src/features/featurizer.js";
import type { Curator, DecisionBatch } from "../../../src/curators/types.js";
import { argmaxRow } from "../../../src/curators/types.js";
import { BASELINES } from "../../../src/curators/registry.js";
import { resolveCurator } from "../../../src/curators/resolve.js";

const EXEC: ExecutorObservation = { successRate: 0.6, contextBudget: 4000, budgetUse: 0.5 };

function item(over: Partial<ItemObservation> = {}): ItemObservation {
  return {
    age: 50,
    sinceRetrieved: 2,
    timesRetrieved: 10,
    successes: 6,
    failures: 4,
    recentSuccesses: 3,
    recentFailures: 2,
    helpful: 0,
    harmful: 0,
    tokens: 200,
    isSkill: false,
    rewrites: 0,
    compressions: 0,
    authorIsCurrent: true,
    writtenAfterFailure: false,
    maxSimilarity: 0.3,
    nearDuplicates: 0,
    relevance: 0.15,
    referencedBy: 0,
    placeholder: false,
    shortGeneric: false,
    coreShare: 0.5,
    ...over,
  };
}

/** A batch of hand-built observations; `pinned` rows only allow keep (the governance mask of a pin). */
function batch(items: ItemObservation[], pinned: number[] = []): DecisionBatch {
  const masks = new Float32Array(items.length * 4).fill(1);
  for (const r of pinned) masks.set([1, 0, 0, 0], r * 4);
  return { rows: items.length, features: new Float32Array(0), masks, items, executor: EXEC };
}

async function actions(c: Curator, b: DecisionBatch): Promise<string[]> {
  const p = await c.probs(b);
  return Array.from({ length: b.rows }, (_, r) => ["keep", "compress", "rewrite", "retire"][argmaxRow(p, r)]);
}
const curator = (name: keyof typeof BASELINES) => BASELINES[name].create({}) as Curator;

describe("literature baselines", () => {
  it("ace retires harmful > helpful, keeps the reverse, and keeps one of a duplicate pair (the more helpful)", async () => {
    const b = batch([
      item({ helpful: 1, harmful: 3 }),
      item({ helpful: 3, harmful: 1 }),
      item({ helpful: 2, maxSimilarity: 0.95, nearDuplicates: 1 }),
      item({ helpful: 5, maxSimilarity: 0.95, nearDuplicates: 1 }),
      item({ maxSimilarity: 0.8 }),
    ]);
    expect(await actions(curator("ace"), b)).toEqual(["retire", "keep", "retire", "keep", "keep"]);
    // Two unrelated exact-copy pairs (similarity 1) are two groups: one of each is kept.
    const pairs = batch(
      [120, 120, 300, 300].map((tokens, i) => item({ maxSimilarity: 1, nearDuplicates: 1, tokens, age: 50 + i })),
    );
    expect(await actions(curator("ace"), pairs)).toEqual(["retire", "keep", "retire", "keep"]);
  });

  it("hermes keeps an item unused for 30 tasks (stale), retires at 90, and respects a pin", async () => {
    const b = batch(
      [
        item({ sinceRetrieved: 29 }),
        item({ sinceRetrieved: 30 }),
        item({ sinceRetrieved: 89 }),
        item({ sinceRetrieved: 90 }),
        item({ sinceRetrieved: 200 }),
      ],
      [4],
    );
    expect(await actions(curator("hermes"), b)).toEqual(["keep", "keep", "keep", "retire", "keep"]);
  });

  it("expel drops an insight when 2 + agrees − removes reaches 0", async () => {
    const b = batch([
      item({ harmful: 1 }),
      item({ harmful: 2 }),
      item({ helpful: 1, harmful: 3 }),
      item({ helpful: 1, harmful: 2 }),
    ]);
    expect(await actions(curator("expel"), b)).toEqual(["keep", "retire", "retire", "keep"]);
  });

  it("sso prunes a skill whose recent uses stopped paying, however good it was before", async () => {
    const b = batch([
      item({ successes: 20, failures: 3, recentSuccesses: 0, recentFailures: 3 }),
      item({ successes: 0, failures: 5, recentSuccesses: 1, recentFailures: 4 }),
      item({ recentSuccesses: 0, recentFailures: 2 }),
    ]);
    expect(await actions(curator("sso"), b)).toEqual(["retire", "keep", "keep"]);
  });

  it("memrl retires the lowest-utility item below the executor's rate, not an unproven one", async () => {
    const b = batch([
      item({ timesRetrieved: 10, successes: 8, failures: 2 }),
      item({ timesRetrieved: 10, successes: 1, failures: 9 }),
      item({ timesRetrieved: 10, successes: 3, failures: 7 }),
      item({ timesRetrieved: 1, successes: 0, failures: 1 }),
    ]);
    expect(await actions(curator("memrl"), b)).toEqual(["keep", "retire", "keep", "keep"]);
    const allGood = batch([item({ successes: 9, failures: 1 }), item({ successes: 8, failures: 2 })]);
    expect(await actions(curator("memrl"), allGood)).toEqual(["keep", "keep"]);
  });

  it("mem0 never edits; a memory fades (retired) sooner when it was rarely used", async () => {
    const b = batch([
      item({ timesRetrieved: 0, sinceRetrieved: 95 }),
      item({ timesRetrieved: 0, sinceRetrieved: 105 }),
      item({ timesRetrieved: 10, sinceRetrieved: 105 }),
      item({ tokens: 5000, harmful: 9 }),
    ]);
    expect(await actions(curator("mem0"), b)).toEqual(["keep", "retire", "keep", "keep"]);
  });

  it("dc rewrites every item it may, and keeps a pinned one", async () => {
    expect(await actions(curator("dc"), batch([item(), item({ helpful: 9 }), item()], [2]))).toEqual([
      "rewrite",
      "rewrite",
      "keep",
    ]);
  });

  it("every literature baseline resolves by name outside the simulator (decide, replay)", async () => {
    for (const name of ["ace", "hermes", "expel", "sso", "memrl", "mem0", "dc"]) {
      const r = await resolveCurator(name, {});
      expect(r.kind).toBe("baseline");
      expect(r.curator.name).toBe(name);
    }
  });
});
