/**
 * Several libraries in one file are observed separately: ages, "since retrieved", similarity and the library
 * features come from each item's own library. A source that logs no retrievals gets no retrieval reasons.
 */
import { describe, expect, it } from "vitest";
import { featurizeObserved, observeLibrary } from "../../src/features/observe.js";
import { FEATURE_NAMES, NUM_FEATURES } from "../../src/features/featurizer.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { GovernanceSchema } from "../../src/schemas/world.js";
import { loadImport } from "../../src/import/run.js";
import type { Curator, DecisionBatch } from "../../src/curators/types.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import { FIXTURES } from "../import/helpers.js";
import { join } from "node:path";

const mid = EXECUTOR_PRESETS.mid;
const execStats = { successRate: 0.6, budgetUse: 0.25 };

function item(
  id: string,
  library: string | undefined,
  createdAt: number,
  extra: Partial<NonNullable<LibraryItem["stats"]>> = {},
): LibraryItem {
  return {
    id,
    kind: "context",
    content: `advice ${id} about ${library ?? "none"} step ${createdAt}`,
    ...(library ? { library } : {}),
    stats: { createdAt, ...extra },
  };
}

const small = [
  item("s1", "small", 0, { lastRetrievedAt: 13, timesRetrieved: 2 }),
  item("s2", "small", 5, { lastRetrievedAt: null, timesRetrieved: 0 }),
];
const big = [
  item("b1", "big", 0, { lastRetrievedAt: 47, timesRetrieved: 9 }),
  item("b2", "big", 20, { lastRetrievedAt: 30, timesRetrieved: 1 }),
  item("b3", "big", 40, { timesRetrieved: 0, lastRetrievedAt: null }),
];

/** Records the feature matrix decide hands the curator, and asks for `action` everywhere. */
function recorder(action: number): Curator & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  return {
    name: "recorder",
    seen,
    probs(b: DecisionBatch) {
      seen.push(b.features.slice());
      const p = new Float32Array(b.rows * 4);
      for (let r = 0; r < b.rows; r++) p[r * 4 + action] = 1;
      return p;
    },
  };
}

describe("libraries in one file", () => {
  it("gives each item the ages and library features of its own library", () => {
    const mixed = [small[0], big[0], small[1], big[1], big[2]];
    const o = observeLibrary(mixed, { executor: mid, executorStats: execStats });
    // s1 was written at task 0 of a library whose last task is 13 (the decision comes before task 14): age 14, not 48.
    expect(o.observations[0]).toMatchObject({ age: 14, sinceRetrieved: 1 });
    expect(o.observations[2]).toMatchObject({ age: 9, sinceRetrieved: 9, timesRetrieved: 0 });
    expect(o.observations[1]).toMatchObject({ age: 48, sinceRetrieved: 1 });
    expect(o.libraries.map((l) => [l.name, l.now, l.size])).toEqual([
      ["small", 14, 2],
      ["big", 48, 3],
    ]);
    expect(o.libraryOf.map((l) => l.size)).toEqual([2, 3, 2, 3, 3]);
    expect(o.library.size).toBe(5);

    // Each item's features equal those of its library observed alone.
    const f = featurizeObserved(o);
    const alone = (lib: LibraryItem[]) =>
      featurizeObserved(observeLibrary(lib, { executor: mid, executorStats: execStats }));
    const fs = alone(small);
    const fb = alone(big);
    const row = (m: Float32Array, r: number) => Array.from(m.subarray(r * NUM_FEATURES, (r + 1) * NUM_FEATURES));
    expect(row(f, 0)).toEqual(row(fs, 0));
    expect(row(f, 2)).toEqual(row(fs, 1));
    expect(row(f, 1)).toEqual(row(fb, 0));
    expect(row(f, 3)).toEqual(row(fb, 1));
    expect(row(f, 4)).toEqual(row(fb, 2));
    expect(row(f, 0)[FEATURE_NAMES.indexOf("lib_size_log")]).toBeCloseTo(Math.log1p(2), 6);
  });

  it("decide featurizes per library too", async () => {
    const mixed = [small[0], big[0], small[1], big[1], big[2]];
    const c = recorder(0);
    await decideWithCurator(c, "h", mixed, mid, { executorStats: execStats });
    expect(Array.from(c.seen[0])).toEqual(
      Array.from(featurizeObserved(observeLibrary(mixed, { executor: mid, executorStats: execStats }))),
    );
    expect(c.seen[0][FEATURE_NAMES.indexOf("item_age_log")]).toBeCloseTo(Math.log1p(14), 6);
  });

  it("a single library gives the same features with or without the library field", () => {
    const plain = big.map(({ library: _drop, ...rest }) => rest);
    const a = observeLibrary(plain, { executor: mid });
    const b = observeLibrary(big, { executor: mid });
    expect(Array.from(featurizeObserved(a))).toEqual(Array.from(featurizeObserved(b)));
    expect(a.library).toEqual({ size: 3, totalTokens: a.libraries[0].totalTokens });
    expect(a.libraryOf.every((l) => l === a.library)).toBe(true);
    expect(a.now).toBe(48);
  });
});

describe("a source that logs no retrievals", () => {
  const permissive = GovernanceSchema.parse({ maxChangeShare: 1 });
  // Voyager-like: creation order only, no retrieval counters.
  const unlogged = Array.from({ length: 6 }, (_, i) => item(`v${i}`, "voyager-run", i * 12));

  it("is observed as such, and no reason claims the items were never retrieved", async () => {
    const o = observeLibrary(unlogged, { executor: mid });
    expect(o.libraries[0].retrievalsLogged).toBe(false);
    expect(o.observations.every((x) => x.retrievalsLogged === false)).toBe(true);
    for (const action of [0, 2, 3]) {
      const r = await decideWithCurator(recorder(action), "h", unlogged, mid, {
        governance: permissive,
        executorStats: execStats,
      });
      for (const d of r.decisions) expect(d.reason).not.toMatch(/retriev|unused/);
    }
  });

  it("while a library that logs retrievals (even zero) still gets them cited", async () => {
    const logged = unlogged.map((it) => ({ ...it, stats: { ...it.stats, timesRetrieved: 0 } }));
    const r = await decideWithCurator(recorder(3), "h", logged, mid, {
      governance: permissive,
      executorStats: execStats,
    });
    expect(r.decisions[0].reason).toContain("never retrieved in 60 tasks");
  });

  it("holds for a real Voyager import: library set per item, ages per checkpoint, no retrieval claims", async () => {
    const built = loadImport("voyager", join(FIXTURES, "voyager"));
    expect(new Set(built.library.map((i) => i.library))).toEqual(new Set(["ckpt_llama", "history"]));
    const o = observeLibrary(built.library, { executor: mid });
    expect(o.libraries.map((l) => [l.name, l.now, l.retrievalsLogged])).toEqual([
      ["ckpt_llama", 3, false],
      ["history", 5, false],
    ]);
    const r = await decideWithCurator(recorder(3), "h", built.library, mid, {
      governance: permissive,
      executorStats: execStats,
    });
    for (const d of r.decisions) expect(d.reason).not.toMatch(/retriev|unused/);
  });
});
