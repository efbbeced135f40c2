import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkPolicy } from "../../src/import/tau-bench.js";
import { countsByReason, FIXTURES, HAVE_REAL, importAndRead, REAL } from "./helpers.js";

describe("tau-bench importer", () => {
  it("splits a policy into paragraphs by section, a bullet with its sub-bullets being one", () => {
    const chunks = chunkPolicy(
      "# Policy\n\nIntro line.\n\n## Book flight\n\n- First rule.\n  - detail a\n- Second rule.\n",
    );
    expect(chunks.map((c) => [c.key, c.text])).toEqual([
      ["policy-1", "Intro line."],
      ["book-flight-1", "- First rule.\n  - detail a"],
      ["book-flight-2", "- Second rule."],
    ]);
  });

  it("imports trajectories as events and the policy paragraphs as items in their context", async () => {
    const r = await importAndRead("tau-bench", join(FIXTURES, "tau-bench"));
    expect(r.events.map((e) => [e.task, e.outcome])).toEqual([
      ["task 0 trial 0", "failure"],
      ["task 1 trial 0", "failure"],
    ]);
    expect(r.events[0].itemIds).toHaveLength(r.library.length);
    expect(r.events[1].itemIds).toBeNull(); // its system message was cut from the fixture
    expect(r.events[1].detail.expectedActions).toEqual(["cancel_reservation"]); // read from a Python-repr string
    expect(r.library.every((i) => i.stats?.timesRetrieved === 1 && i.kind === "context")).toBe(true);
    expect(r.labels.every((l) => l.harmful === null && l.rewrittenLater === null)).toBe(true);
  });

  it("reads traj/info stored as Python reprs, salvaging one cut mid-way", async () => {
    const r = await importAndRead("tau-bench", join(FIXTURES, "malformed/tau-bench"));
    expect(countsByReason(r.manifest.repaired)).toMatchObject({ "truncated-json": 1 }); // kept, with what could be read
    expect(countsByReason(r.manifest.skipped)).toMatchObject({ "missing-field": 1, "unexpected-shape": 1 });
    expect(r.events).toHaveLength(2);
    expect(r.events[0].detail.expectedActions).toEqual(["book_reservation"]);
    expect(r.library.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_REAL)("tau-bench importer on the full real folder", () => {
  it("imports 50 tasks × 4 trials with rewards", async () => {
    const r = await importAndRead("tau-bench", join(REAL, "tau_bench"));
    expect(r.events).toHaveLength(200);
    expect(r.events.filter((e) => e.outcome === "success")).toHaveLength(84);
    expect(r.snapshots).toHaveLength(1);
    expect(r.library.every((i) => i.stats?.timesRetrieved === 200 && i.stats?.successes === 84)).toBe(true);
  });
});
