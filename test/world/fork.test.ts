/**
 * SkillWorld mechanics the rest of the toolkit relies on: seeded determinism, forks that replay the same future
 * (so counterfactual labels and group comparisons are fair), and retire as archive-not-delete.
 */
import { describe, expect, it } from "vitest";
import { SkillWorld, type TaskResult } from "../../src/world/world.js";
import { resolveWorld } from "../../src/world/presets.js";
import { resolveExecutor } from "../../src/executors/presets.js";
import { runStream } from "../../src/world/stream.js";
import { counterfactualValues } from "../../src/world/oracle.js";
import { heuristicCurator } from "../../src/curators/baselines.js";
import { governanceMasks } from "../../src/governance/rules.js";

const executors = [resolveExecutor("weak"), resolveExecutor("strong")];

function newWorld(seed = 7): SkillWorld {
  return new SkillWorld(resolveWorld("tiny"), executors, seed);
}

const runTasks = (w: SkillWorld, n: number): TaskResult[] => Array.from({ length: n }, () => w.runTask());

/** A world some way into its stream, with a curated library (some items compressed / rewritten / retired). */
function midStream(): SkillWorld {
  const w = newWorld();
  runTasks(w, 30);
  w.applyActions(w.items.map((_, i) => [0, 1, 2, 0, 3][i % 5]));
  runTasks(w, 10);
  return w;
}

const allowAll = (n: number) => new Float32Array(n * 4).fill(1);

describe("determinism", () => {
  it("the same seed gives the same stream; another seed gives another", async () => {
    const spec = { streamId: 0, seed: 11, world: resolveWorld("tiny"), executors, tasks: 80 };
    const opts = { mode: "sample", epsilon: 0.3, horizon: 20 } as const;
    const a = await runStream(spec, heuristicCurator, opts);
    const b = await runStream(spec, heuristicCurator, opts);
    expect(b.tasks).toEqual(a.tasks);
    expect(b.passes.map((p) => [...p.actions])).toEqual(a.passes.map((p) => [...p.actions]));
    const c = await runStream({ ...spec, seed: 12 }, heuristicCurator, opts);
    expect(c.tasks.map((t) => t.family)).not.toEqual(a.tasks.map((t) => t.family));
  });
});

describe("forks replay the same future", () => {
  it("a fork and its parent, run the same number of tasks, produce identical TaskResults", () => {
    const w = midStream();
    const f = w.fork();
    const fromFork = runTasks(f, 60);
    const fromParent = runTasks(w, 60);
    expect(fromFork).toEqual(fromParent);
    expect(f.items).toEqual(w.items);
    expect(f.step).toBe(w.step);
  });

  it("forks are independent: acting on a fork leaves the parent untouched", () => {
    const w = midStream();
    const before = structuredClone({ items: w.items, retired: w.retired, step: w.step, v: [...w.familyVersion] });
    const f = w.fork();
    f.applyActions(f.items.map((_, i) => (i === 0 ? 3 : 1)));
    runTasks(f, 25);
    expect({ items: w.items, retired: w.retired, step: w.step, v: [...w.familyVersion] }).toEqual(before);
  });

  it("two forks that differ in one action differ in outcome, and only from that action on", () => {
    const w = midStream();
    const keepAll = w.fork();
    const retireOne = w.fork();
    // retire the item retrieved most often so far: it is in many future contexts
    const busiest = w.items.reduce((best, it, i) => (it.timesRetrieved > w.items[best].timesRetrieved ? i : best), 0);
    const id = w.items[busiest].id;
    retireOne.applyActions(w.items.map((_, i) => (i === busiest ? 3 : 0)));
    const a = runTasks(keepAll, 40);
    const b = runTasks(retireOne, 40);
    // the same tasks arrive (families are drawn before retrieval) …
    expect(b.map((t) => t.family)).toEqual(a.map((t) => t.family));
    // … but the retired item is never retrieved again, so some contexts differ
    expect(b.some((t) => t.contextIds.includes(id))).toBe(false);
    expect(a.some((t) => t.contextIds.includes(id))).toBe(true);
    expect(b.map((t) => t.contextIds)).not.toEqual(a.map((t) => t.contextIds));
  });

  it("counterfactual values leave the world unchanged, and `keep` values the future the world then lives", async () => {
    const w = midStream();
    const snapshot = structuredClone({ items: w.items, retired: w.retired, step: w.step });
    const masks = allowAll(w.items.length);
    const cf = await counterfactualValues(w, masks, 15);
    expect({ items: w.items, retired: w.retired, step: w.step }).toEqual(snapshot);
    const lived = runTasks(w, 15);
    const expected = lived.reduce((s, t) => s + t.pSuccess, 0);
    for (let i = 0; i < snapshot.items.length; i++) expect(cf.success[i * 4]).toBeCloseTo(expected, 10);
    // the other actions were valued too, and at least one of them changes the future
    const others = [...cf.success].filter((_, k) => k % 4 !== 0);
    expect(others.every((v) => Number.isFinite(v))).toBe(true);
    expect(others.some((v) => Math.abs(v - expected) > 1e-9)).toBe(true);
  });

  it("counterfactuals respect the mask: masked actions are NaN, never rolled out", async () => {
    const w = midStream();
    const masks = governanceMasks(
      w.items.map(() => ({ pinned: true, tags: [], kind: "skill" as const, age: 100 })),
      w.cfg.governance,
    );
    const cf = await counterfactualValues(w, masks, 5);
    for (let i = 0; i < w.items.length; i++) {
      expect(Number.isFinite(cf.success[i * 4])).toBe(true);
      for (let a = 1; a < 4; a++) expect(Number.isNaN(cf.success[i * 4 + a])).toBe(true);
    }
  });
});

describe("retire archives, never deletes", () => {
  it("retired items leave the live library and are kept whole in world.retired", () => {
    const w = newWorld();
    runTasks(w, 40);
    const before = structuredClone(w.items);
    const retireIdx = new Set([0, 2, before.length - 1]);
    w.applyActions(before.map((_, i) => (retireIdx.has(i) ? 3 : 0)));
    const retiredIds = before.filter((_, i) => retireIdx.has(i)).map((it) => it.id);
    expect(w.items.map((it) => it.id)).toEqual(before.filter((_, i) => !retireIdx.has(i)).map((it) => it.id));
    expect(w.retired.map((it) => it.id)).toEqual(retiredIds);
    // content unchanged by retiring, and live + archive = what there was
    expect(w.retired).toEqual(before.filter((_, i) => retireIdx.has(i)));
    expect([...w.items, ...w.retired].map((it) => it.id).sort((a, b) => a - b)).toEqual(
      before.map((it) => it.id).sort((a, b) => a - b),
    );
    // later tasks never retrieve an archived item, and the archive survives them
    const later = runTasks(w, 40);
    for (const t of later) for (const id of retiredIds) expect(t.contextIds).not.toContain(id);
    expect(w.retired.map((it) => it.id)).toEqual(retiredIds);
  });

  it("a retire in a fork (e.g. an oracle look-ahead) does not enter the parent's archive", async () => {
    const w = midStream();
    const archived = w.retired.map((it) => it.id);
    expect(archived.length).toBeGreaterThan(0);
    const f = w.fork();
    f.applyActions(f.items.map(() => 3));
    expect(f.retired.length).toBe(archived.length + w.items.length);
    expect(w.retired.map((it) => it.id)).toEqual(archived);
    await counterfactualValues(w, allowAll(w.items.length), 5);
    expect(w.retired.map((it) => it.id)).toEqual(archived);
  });
});
