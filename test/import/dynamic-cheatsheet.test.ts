import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { answersMatch, parseMemoryItems, parsePreviousSolutions, runInfo } from "../../src/import/dc-parse.js";
import { byId, countsByReason, FIXTURES, HAVE_REAL, importAndRead, REAL } from "./helpers.js";

const item = (title: string, count: number, close = true): string =>
  `<memory_item>\n<description>\n${title}: a strategy that applies to problems about ${title.toLowerCase()} in general.\n</description>\n** Count: ${count} **\n${close ? "</memory_item>" : ""}\n`;

describe("dynamic cheatsheet text parsing", () => {
  it("reads memory items, counts and sections, and closes an unclosed item at the next one", () => {
    const text = `Version: 2\n\nSOLUTIONS AND SNIPPETS\n\n${item("Modular arithmetic", 3, false)}${item("Counting", 1)}GENERAL STRATEGIES\n${item("Check small cases", 2)}`;
    const items = parseMemoryItems(text);
    expect(items.map((i) => [i.count, i.section, i.unclosed])).toEqual([
      [3, "SOLUTIONS AND SNIPPETS", true],
      [1, "SOLUTIONS AND SNIPPETS", false],
      [2, "GENERAL STRATEGIES", false],
    ]);
    expect(items[0].text).not.toMatch(/Count|memory_item/);
    expect(parseMemoryItems("(empty)")).toEqual([]);
  });

  it("reads previous solutions of a retrieval run, typo in the marker included", () => {
    const text = "### PREVIOUS SOLUTIONS (START)\n\n#### Previous Input #1 (Similarity: 0.28):\n\nFind x.\n\n#### Model Solution to revious Input  #1:\n\nx = 2\n---\n---\n\n####PREVIOUS SOLUTIONS (END)";
    expect(parsePreviousSolutions(text)).toEqual([{ rank: 1, similarity: 0.28, input: "Find x.", solution: "x = 2" }]);
  });

  it("matches answers as numbers or choice letters", () => {
    expect(answersMatch("033", "33")).toBe(true);
    expect(answersMatch("(B)", "B")).toBe(true);
    expect(answersMatch("No final answer found", "315")).toBe(false);
    expect(answersMatch(undefined, "315")).toBe(null);
  });

  it("reads dataset, model and approach from slim and raw file names", () => {
    expect(runInfo("slim/AIME_2024/claude-3-5-sonnet_DynamicCheatsheet_RetrievalSynthesis.jsonl")).toMatchObject({ dataset: "AIME_2024", model: "claude-3-5-sonnet", approach: "synthesis" });
    expect(runInfo("raw/AIME_2024__gpt-4o_DynamicCheatsheet_Cumulative.jsonl")).toMatchObject({ name: "AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative", approach: "cumulative" });
    expect(runInfo("x/GPQA/gpt-4o_EmptyCheatsheet.jsonl").approach).toBe("none");
  });
});

describe("dynamic cheatsheet importer", () => {
  it("imports fixtures: item churn between questions, retrieval pairs, no-memory events", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(FIXTURES, "dynamic-cheatsheet"));
    const cum = "AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative";
    expect(r.snapshots.filter((s) => s.library === cum).map((s) => s.itemIds.length)).toEqual([0, 3, 5]);
    const labels = byId(r.labels);
    expect(labels.get(`${cum}/m001@v1`)).toMatchObject({ removedLater: true, inFinal: false, harmful: null, neverUsed: true });
    expect(labels.get(`${cum}/m004`)).toMatchObject({ inFinal: true, harmful: null, neverUsed: null });
    expect(byId(r.items).get(`${cum}/m001@v1`)?.stats).toMatchObject({ createdAt: 0, timesRetrieved: 1, failures: 1, lastRetrievedAt: 1 });
    const sol = byId(r.items).get("AIME_2024/gpt-4o_Dynamic_Retrieval/sol-q0")!;
    expect(sol.meta?.sourceQuestion).toBe("0");
    expect(r.events.filter((e) => e.library === "AIME_2024/gpt-4o_EmptyCheatsheet")).toHaveLength(3);
    expect(r.events.find((e) => e.library === cum && e.taskIndex === 1)?.detail.reference).toBe("AIME_2024/gpt-4o_EmptyCheatsheet");
  });

  it("labels an item harmful when the memory run fails a question the no-memory run solves", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "dc-")), "DS");
    mkdirSync(dir);
    const sheet = (...titles: [string, number][]): string => `Version: 1\n${titles.map(([t, c]) => item(t, c)).join("")}`;
    const q = (idx: number, answer: string, before: string, after: string): string =>
      JSON.stringify({ idx, raw_input: `question ${idx}`, target: "7", final_answer: answer, cheatsheet_before: before, cheatsheet_after: after });
    const s1 = sheet(["Wrong shortcut", 1]);
    const s2 = sheet(["Wrong shortcut", 2], ["Telescoping sums", 1]);
    writeFileSync(join(dir, "m_DynamicCheatsheet_Cumulative.jsonl"), [q(0, "7", "(empty)", s1), q(1, "3", s1, s2), q(2, "7", s2, s2)].join("\n"));
    writeFileSync(join(dir, "m_EmptyCheatsheet.jsonl"), [q(0, "1", "", ""), q(1, "7", "", ""), q(2, "7", "", "")].join("\n"));
    const r = await importAndRead("dynamic-cheatsheet", dir);
    const lib = "DS/m_DynamicCheatsheet_Cumulative";
    const labels = byId(r.labels);
    expect(labels.get(`${lib}/m001`)).toMatchObject({ harmful: true, neverUsed: false, removedLater: false });
    expect(labels.get(`${lib}/m001`)?.evidence.hurtQuestions).toEqual(["1"]);
    expect(labels.get(`${lib}/m002`)).toMatchObject({ harmful: false, neverUsed: true });
    expect(byId(r.items).get(`${lib}/m001`)?.stats).toMatchObject({ timesRetrieved: 2, successes: 1, failures: 1 });
  });

  it("imports a damaged run file: bad lines skipped, unclosed tag repaired, missing state derived", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(FIXTURES, "malformed/dynamic-cheatsheet"));
    expect(countsByReason(r.manifest.skipped)).toMatchObject({ "bad-json-line": 1, "unexpected-shape": 1, "missing-field": 1 });
    expect(r.manifest.repaired.byReason["unclosed-tag"]?.count).toBeGreaterThanOrEqual(1);
    expect(r.events).toHaveLength(2);
    expect(r.library.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_REAL)("dynamic cheatsheet importer on the full real folder", () => {
  it("imports every run, once", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(REAL, "dynamic_cheatsheet"));
    expect(r.manifest.counts.libraries).toBe(24);
    expect(r.manifest.skipped.byReason["duplicate-run"]?.count).toBe(1); // raw/ repeats a slim run
    expect(r.events).toHaveLength(20 * 30 + 4 * 198);
    expect(r.labels.some((l) => l.harmful === true)).toBe(true);
    expect(r.labels.some((l) => l.removedLater === true)).toBe(true);
    expect(r.labels.some((l) => l.rewrittenLater === true)).toBe(true);
  });
});
