import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { summaryOutcome } from "../../src/import/agent-s.js";
import { countsByReason, FIXTURES, HAVE_REAL, importAndRead, REAL } from "./helpers.js";

describe("agent-s importer", () => {
  it("reads an outcome from a summary's wording", () => {
    expect(summaryOutcome("### Task Failure Summary\n\nThe task failed because ...")).toBe("failure");
    expect(summaryOutcome("The task was not successfully executed due to ...")).toBe("failure");
    expect(summaryOutcome("The task was successfully executed. Here is the plan")).toBe("success");
    expect(summaryOutcome("### Plan\n1. open the app")).toBe("unknown");
  });

  it("follows the commit history: text where a memory file exists, a count of what was never stored", async () => {
    const r = await importAndRead("agent-s", join(FIXTURES, "agent-s"));
    const ep = r.snapshots.filter((s) => s.library === "ubuntu/episodic");
    expect(ep.map((s) => [s.itemIds.length, s.missingItems])).toEqual([
      [3, 0],
      [3, 1],
      [5, 0],
    ]);
    expect(r.manifest.skipped.byReason["no-content-in-history"]?.count).toBe(1);
    const item = r.library.find((i) => i.library === "ubuntu/episodic")!;
    expect(item.meta).toMatchObject({ task: expect.any(String), subtask: expect.any(String) });
    expect(
      r.labels
        .filter((l) => l.library === "ubuntu/episodic")
        .every((l) => l.removedLater === false && l.rewrittenLater === false),
    ).toBe(true);
    expect(r.labels.filter((l) => l.library === "windows/narrative").every((l) => l.removedLater === null)).toBe(true);
    expect(r.events.map((e) => [e.library, e.outcome])).toEqual([
      ["ubuntu/narrative", "failure"],
      ["ubuntu/narrative", "success"],
      ["windows/narrative", "failure"],
    ]);
  });

  it("salvages a truncated memory file and skips non-text entries", async () => {
    const r = await importAndRead("agent-s", join(FIXTURES, "malformed/agent-s"));
    expect(countsByReason(r.manifest.skipped)).toMatchObject({
      "truncated-json": 1,
      "bad-field-type": 1,
      "empty-content": 1,
      "unrecognised-file": 1,
    });
    expect(r.library.filter((i) => i.library === "ubuntu/episodic").length).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_REAL)("agent-s importer on the full real folder", () => {
  it("imports Ubuntu at two points in time (813 → 1,229 episodic items) and Windows", async () => {
    const r = await importAndRead("agent-s", join(REAL, "agent_s_kb"));
    const live = Object.fromEntries(r.manifest.libraries.map((l) => [l.name, l.items]));
    expect(live).toEqual({
      "ubuntu/episodic": 1229,
      "ubuntu/narrative": 492,
      "windows/episodic": 439,
      "windows/narrative": 149,
    });
    const ep = r.snapshots.filter((s) => s.library === "ubuntu/episodic");
    expect(ep).toHaveLength(9);
    expect(ep[0].itemIds).toHaveLength(813);
    expect(ep.at(-1)!.itemIds).toHaveLength(1229);
    expect(r.events).toHaveLength(492 + 149);
  });
});
