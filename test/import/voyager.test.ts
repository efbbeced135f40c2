import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/text/tokens.js";
import { loadImport } from "../../src/import/run.js";
import { byId, countsByReason, FIXTURES, HAVE_REAL, importAndRead, REAL } from "./helpers.js";

describe("voyager importer on fixtures", () => {
  it("imports a checkpoint: live skills, earlier versions, callers, attempts", async () => {
    const r = await importAndRead("voyager", join(FIXTURES, "voyager/ckpt_llama"));
    expect(r.library.map((i) => i.id).sort()).toEqual([
      "ckpt_llama/craftWoodenPickaxe",
      "ckpt_llama/killChicken",
      "ckpt_llama/mineTwoDirtBlocks",
      "ckpt_llama/mineWoodLog",
    ]);
    const items = byId(r.items);
    const old = items.get("ckpt_llama/craftWoodenPickaxe@v1")!;
    const live = items.get("ckpt_llama/craftWoodenPickaxe")!;
    expect(old.content).not.toBe(live.content);
    expect(live.kind).toBe("skill");
    expect(live.stats?.rewrites).toBe(1);
    expect(live.tokens).toBe(countTokens(live.content));
    const labels = byId(r.labels);
    expect(labels.get("ckpt_llama/craftWoodenPickaxe@v1")).toMatchObject({
      rewrittenLater: true,
      inFinal: false,
      harmful: null,
    });
    expect(labels.get("ckpt_llama/craftWoodenPickaxe")).toMatchObject({
      rewrittenLater: false,
      inFinal: true,
      neverUsed: false,
    });
    expect(labels.get("ckpt_llama/killChicken")?.neverUsed).toBe(true); // nothing calls it
    // identical re-saves (mineTwoDirtBlocksV2.js == mineTwoDirtBlocks.js) are one version, not a rewrite
    expect(items.get("ckpt_llama/mineTwoDirtBlocks")?.stats?.rewrites).toBe(0);
    expect(r.snapshots.map((s) => [s.label, s.reconstructed])).toEqual([
      ["first version of every live skill", true],
      ["final", false],
    ]);
    expect(r.events.map((e) => e.outcome)).toEqual(["failure", "success", "failure", "failure", "failure", "failure"]);
    expect(r.events[2].detail.error).toMatch(/No crafting table nearby/);
  });

  it("orders a commit-hash history by library size and labels what was dropped", async () => {
    const r = await importAndRead("voyager", join(FIXTURES, "voyager/history"));
    expect(r.snapshots.map((s) => [s.label, s.itemIds.length])).toEqual([
      ["checkpoint 65f85ee7", 2],
      ["checkpoint 948453df", 3],
      ["checkpoint d0438637", 4],
    ]);
    const labels = byId(r.labels);
    expect(labels.get("history/mineStoneBlocks@v1")).toMatchObject({ removedLater: true, inFinal: false });
    expect(labels.get("history/yourMainFunctionName")).toMatchObject({ removedLater: false, inFinal: true });
    expect(r.library).toHaveLength(4);
  });

  it("imports a damaged checkpoint and reports what it skipped, by reason", async () => {
    const r = await importAndRead("voyager", join(FIXTURES, "malformed/voyager"));
    expect(countsByReason(r.manifest.skipped)).toMatchObject({
      "truncated-json": 1,
      "empty-file": 1,
      "bad-json-line": 1,
      "missing-field": 2, // empty name, no code
      "unexpected-shape": 2, // a non-object skill, a non-record events line
      "bad-field-type": 1,
    });
    expect(r.library.map((i) => i.id)).toContain("ckpt_odd/weird name (copy)");
    expect(r.library.map((i) => i.id)).toContain("ckpt_broken/mineWoodLog"); // salvaged from the truncated skills.json
  });

  it("refuses a missing path and a folder with no checkpoint, with a CuratorError", () => {
    expect(() => loadImport("voyager", join(FIXTURES, "does-not-exist"))).toThrow(
      expect.objectContaining({ code: "FILE_NOT_FOUND" }),
    );
    const empty = mkdtempSync(join(tmpdir(), "voyager-empty-"));
    expect(() => loadImport("voyager", empty)).toThrow(
      expect.objectContaining({ name: "CuratorError", code: "INVALID_FILE" }),
    );
  });
});

describe.skipIf(!HAVE_REAL)("voyager importer on the full real folder", () => {
  it("imports every checkpoint", async () => {
    const r = await importAndRead("voyager", join(REAL, "voyager"));
    const live = Object.fromEntries(r.manifest.libraries.map((l) => [l.name, l.items]));
    expect(live).toEqual({
      "ckpt_MC-Agent": 14,
      ckpt_OctoMC_history: 4,
      ckpt_QuestLlama_llama3: 30,
      minedojo_trial1: 51,
      minedojo_trial2: 52,
      minedojo_trial3: 55,
    });
    expect(r.events).toHaveLength(48 + 160 + 27);
    expect(r.manifest.skipped.total).toBe(0);
    // QuestLlama saved mineTwoIronOres eight times (up to V8.js); identical re-saves are one version
    const label = byId(r.labels).get("ckpt_QuestLlama_llama3/mineTwoIronOres")!;
    expect(label.evidence.savedFiles).toBe(8);
    expect(label.evidence.versions).toBeLessThan(8);
  });
});
