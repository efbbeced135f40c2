import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImportContext } from "../../src/import/context.js";
import { parsePlaybook } from "../../src/import/ace-playbook.js";
import { byId, countsByReason, FIXTURES, HAVE_REAL, importAndRead, REAL } from "./helpers.js";

describe("ace playbook importer", () => {
  it("parses rules, sections and ACE's helpful/harmful counters", () => {
    const ctx = new ImportContext("/");
    const rules = parsePlaybook(
      "## STRATEGIES\n[shr-00001] helpful=3 harmful=5 :: Do the thing.\n[shr-00002] Plain rule.\n",
      "p.txt",
      ctx,
    );
    expect([...rules.values()]).toEqual([
      { id: "shr-00001", text: "Do the thing.", section: "STRATEGIES", helpful: 3, harmful: 5 },
      { id: "shr-00002", text: "Plain rule.", section: "STRATEGIES", helpful: null, harmful: null },
    ]);
  });

  it("orders snapshots by task number, attaches the initial playbook as task 0, and dates rules by first sighting", async () => {
    const r = await importAndRead("ace-playbook", join(FIXTURES, "ace-playbook"));
    expect(r.manifest.counts.libraries).toBe(1);
    expect(r.snapshots.map((s) => [s.taskIndex, s.itemIds.length])).toEqual([
      [0, 8],
      [30, 14],
      [60, 18],
      [null, 22],
    ]);
    const lib = "online/react_playbook_online_test_normal_without_gt_coherent_cleaned";
    const items = byId(r.items);
    expect(items.get(`${lib}/shr-00001`)?.stats?.createdAt).toBe(0);
    const late = r.snapshots[3].itemIds.filter((id) => !r.snapshots[2].itemIds.includes(id));
    expect(late.length).toBeGreaterThan(0);
    for (const id of late) expect(items.get(id)?.stats?.createdAt).toBe(60);
    for (const l of r.labels)
      expect(l).toMatchObject({ rewrittenLater: false, removedLater: false, harmful: null, neverUsed: null });
    expect(items.get(`${lib}/shr-00001`)?.tags?.[0]).toMatch(/^section:/);
  });

  it("imports odd files: stray lines, duplicate ids, continuation lines, empty and foreign files", async () => {
    const r = await importAndRead("ace-playbook", join(FIXTURES, "malformed/ace-playbook"));
    expect(countsByReason(r.manifest.skipped)).toMatchObject({
      "empty-file": 1,
      "unrecognised-file": 1,
      "empty-content": 1,
    });
    expect(countsByReason(r.manifest.repaired)).toMatchObject({ "duplicate-id": 1, "continuation-line": 1 });
    const lib = r.library[0].library as string;
    expect(r.library.map((i) => i.id)).toEqual([`${lib}/shr-00001`, `${lib}/shr-00001~2`]);
    expect(r.library[0].content).toBe("first rule\ncontinued on a second line");
  });
});

describe.skipIf(!HAVE_REAL)("ace playbook importer on the full real folder", () => {
  it("imports the online run 8 → 398 rules, only ever added, and the other playbooks once each", async () => {
    const r = await importAndRead("ace-playbook", join(REAL, "ace_appworld"));
    const online = r.snapshots.filter(
      (s) => s.library === "online_snapshots/react_playbook_online_test_normal_without_gt_coherent_cleaned",
    );
    expect(online.map((s) => [s.taskIndex, s.itemIds.length])).toEqual([
      [0, 8],
      [30, 274],
      [60, 286],
      [90, 315],
      [120, 336],
      [150, 359],
      [null, 398],
    ]);
    expect(r.labels.filter((l) => l.library === online[0].library).every((l) => l.removedLater === false)).toBe(true);
    expect(r.manifest.skipped.byReason["duplicate-file"]?.count).toBe(2);
    expect(r.manifest.repaired.byReason["duplicate-id"]?.count).toBe(1); // psw-00000 twice in initial_playbook_coherent.txt
  });
});
