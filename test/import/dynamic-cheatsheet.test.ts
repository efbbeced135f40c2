import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  answersMatch,
  elisions,
  parseMemoryItems,
  parsePreviousSolutions,
  runInfo,
} from "../../src/import/dc-parse.js";
import { byId, countsByReason, FIXTURES, HAVE_REAL, importAndRead, readJsonl, REAL } from "./helpers.js";
import type { Comparison } from "../../src/import/schema.js";

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
    const text =
      "### PREVIOUS SOLUTIONS (START)\n\n#### Previous Input #1 (Similarity: 0.28):\n\nFind x.\n\n#### Model Solution to revious Input  #1:\n\nx = 2\n---\n---\n\n####PREVIOUS SOLUTIONS (END)";
    expect(parsePreviousSolutions(text)).toEqual([{ rank: 1, similarity: 0.28, input: "Find x.", solution: "x = 2" }]);
  });

  it("matches answers as numbers or choice letters", () => {
    expect(answersMatch("033", "33")).toBe(true);
    expect(answersMatch("(B)", "B")).toBe(true);
    expect(answersMatch("No final answer found", "315")).toBe(false);
    expect(answersMatch(undefined, "315")).toBe(null);
  });

  it("reads dataset, model and approach from slim and raw file names", () => {
    expect(runInfo("slim/AIME_2024/claude-3-5-sonnet_DynamicCheatsheet_RetrievalSynthesis.jsonl")).toMatchObject({
      dataset: "AIME_2024",
      model: "claude-3-5-sonnet",
      approach: "synthesis",
    });
    expect(runInfo("raw/AIME_2024__gpt-4o_DynamicCheatsheet_Cumulative.jsonl")).toMatchObject({
      name: "AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative",
      approach: "cumulative",
    });
    expect(runInfo("x/GPQA/gpt-4o_EmptyCheatsheet.jsonl").approach).toBe("none");
  });
});

describe("dynamic cheatsheet importer", () => {
  it("imports fixtures: item churn between questions, retrieval pairs, no-memory events", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(FIXTURES, "dynamic-cheatsheet"));
    const cum = "AIME_2024/gpt-4o_DynamicCheatsheet_Cumulative";
    expect(r.snapshots.filter((s) => s.library === cum).map((s) => s.itemIds.length)).toEqual([0, 3, 5]);
    const labels = byId(r.labels);
    expect(labels.get(`${cum}/m001@v1`)).toMatchObject({
      removedLater: true,
      inFinal: false,
      harmful: null,
      neverUsed: true,
    });
    expect(labels.get(`${cum}/m004`)).toMatchObject({ inFinal: true, harmful: null, neverUsed: null });
    expect(byId(r.items).get(`${cum}/m001@v1`)?.stats).toMatchObject({
      createdAt: 1,
      timesRetrieved: 1,
      failures: 1,
      lastRetrievedAt: 1,
    });
    const sol = byId(r.items).get("AIME_2024/gpt-4o_Dynamic_Retrieval/sol-q0")!;
    expect(sol.meta?.sourceQuestion).toBe("0");
    expect(r.events.filter((e) => e.library === "AIME_2024/gpt-4o_EmptyCheatsheet")).toHaveLength(3);
    expect(r.events.find((e) => e.library === cum && e.taskIndex === 1)?.detail.reference).toBe(
      "AIME_2024/gpt-4o_EmptyCheatsheet",
    );
  });

  it("no longer labels an item harmful for being in context when the run failed: only credited use counts", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "dc-")), "DS");
    mkdirSync(dir);
    const sheet = (...titles: [string, number][]): string =>
      `Version: 1\n${titles.map(([t, c]) => item(t, c)).join("")}`;
    const q = (idx: number, answer: string, before: string, after: string): string =>
      JSON.stringify({
        idx,
        raw_input: `question ${idx}`,
        target: "7",
        final_answer: answer,
        cheatsheet_before: before,
        cheatsheet_after: after,
      });
    const s1 = sheet(["Wrong shortcut", 1]);
    const s2 = sheet(["Wrong shortcut", 2], ["Telescoping sums", 1]);
    writeFileSync(
      join(dir, "m_DynamicCheatsheet_Cumulative.jsonl"),
      [q(0, "7", "(empty)", s1), q(1, "3", s1, s2), q(2, "7", s2, s2)].join("\n"),
    );
    writeFileSync(
      join(dir, "m_EmptyCheatsheet.jsonl"),
      [q(0, "1", "", ""), q(1, "7", "", ""), q(2, "7", "", "")].join("\n"),
    );
    const r = await importAndRead("dynamic-cheatsheet", dir);
    const lib = "DS/m_DynamicCheatsheet_Cumulative";
    const labels = byId(r.labels);
    // "Wrong shortcut" was in context at question 1 (failed; reference right), and its count rose after it: credited −1
    expect(labels.get(`${lib}/m001`)).toMatchObject({
      uplift: -1,
      harmful: true,
      helpful: false,
      neverUsed: false,
      removedLater: false,
    });
    expect(labels.get(`${lib}/m001`)?.evidence.hurtQuestions).toEqual(["1"]);
    expect(labels.get(`${lib}/m002`)).toMatchObject({ harmful: false, neverUsed: true });
    expect(byId(r.items).get(`${lib}/m001`)?.stats).toMatchObject({ timesRetrieved: 2, successes: 1, failures: 1 });
  });

  it("imports a damaged run file: bad lines skipped, unclosed tag repaired, missing state derived", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(FIXTURES, "malformed/dynamic-cheatsheet"));
    expect(countsByReason(r.manifest.skipped)).toMatchObject({
      "bad-json-line": 1,
      "unexpected-shape": 1,
      "missing-field": 1,
    });
    expect(r.manifest.repaired.byReason["unclosed-tag"]?.count).toBeGreaterThanOrEqual(1);
    expect(r.events).toHaveLength(2);
    expect(r.library.length).toBeGreaterThan(0);
  });
});

const q = (idx: number, answer: string, before: string, after: string, target = "7"): string =>
  JSON.stringify({
    idx,
    raw_input: `question ${idx}`,
    target,
    final_answer: answer,
    cheatsheet_before: before,
    cheatsheet_after: after,
  });
const runDir = (files: Record<string, string[]>, dataset = "DS"): string => {
  const dir = join(mkdtempSync(join(tmpdir(), "dc-")), dataset);
  mkdirSync(dir);
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), lines.join("\n"));
  return dir;
};

describe("importer defects (each test failed before the fix)", () => {
  it("an unclosed <memory_item> ends at the next section header or placeholder, not at the next tag", () => {
    const text = `<memory_item>\n<description>\nSum trick\n</description>\n\n## GEOMETRY\n[Previous geometry items remain unchanged]\n<memory_item>\n<description>\nAngles\n</description>\n</memory_item>`;
    const [first, second] = parseMemoryItems(text);
    expect(first).toMatchObject({ unclosed: true });
    expect(first.text).not.toMatch(/GEOMETRY|remain unchanged/);
    expect(second.section).toBe("GEOMETRY");
    const beforePlaceholder = parseMemoryItems(
      `<memory_item>\n<description>\nSum trick\n</description>\n[Previous memory items about counting remain unchanged...]\n`,
    );
    expect(beforePlaceholder[0].text).not.toMatch(/remain unchanged/);
  });

  it("a count written after </memory_item> belongs to the item; references are read", () => {
    const text =
      "<memory_item>\n<description>\nGrid coloring (Reference: Q1, Q2)\n</description>\n</memory_item>\n** Count: 2\n\n<memory_item>\n<description>\nX\n</description>\n** Count: 5 **\n</memory_item>";
    expect(parseMemoryItems(text).map((m) => [m.count, m.refs])).toEqual([
      [2, [1, 2]],
      [5, []],
    ]);
  });

  it.skipIf(!HAVE_REAL)("parses the counts after the closing tag in the real AIME 2025 RetrievalSynthesis run", () => {
    const file = join(
      REAL,
      "dynamic_cheatsheet/slim/AIME_2025/claude-3-5-sonnet_DynamicCheatsheet_RetrievalSynthesis.jsonl",
    );
    const rows = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { cheatsheet_before: string | null });
    const items = rows.flatMap((r) => parseMemoryItems(r.cheatsheet_before ?? ""));
    expect(items.length).toBeGreaterThan(100);
    expect(items.filter((m) => m.count === null)).toEqual([]);
  });

  it("elision placeholders are detected; an item that leaves at one is marked elided, not removed", async () => {
    expect(
      elisions("A\n[Previous content preserved...]\n[Previous memory items about geometry remain unchanged]\nB"),
    ).toHaveLength(2);
    expect(parseMemoryItems("<memory_item>\n[Previous memory items retained...]\n</memory_item>")[0].placeholder).toBe(
      true,
    );
    const item = (t: string) =>
      `<memory_item>\n<description>\n${t}: a strategy for problems about ${t.toLowerCase()} in general.\n</description>\n** Count: 1 **\n</memory_item>\n`;
    const s1 = `${item("Alpha")}${item("Beta")}`;
    const s2 = `${item("Alpha")}[Previous memory items about Beta remain unchanged]\n`;
    const s3 = `${item("Alpha")}`;
    const dir = runDir({
      "m_DynamicCheatsheet_Cumulative.jsonl": [q(0, "7", "", s1), q(1, "7", s1, s2), q(2, "7", s2, s2)],
      "n_DynamicCheatsheet_Cumulative.jsonl": [q(0, "7", "", s1), q(1, "7", s1, s3), q(2, "7", s3, s3)],
    });
    const r = await importAndRead("dynamic-cheatsheet", dir);
    const labels = byId(r.labels);
    expect(labels.get("DS/m_DynamicCheatsheet_Cumulative/m002@v1")).toMatchObject({
      elided: true,
      removedLater: false,
      rewrittenLater: false,
    });
    expect(labels.get("DS/n_DynamicCheatsheet_Cumulative/m002@v1")).toMatchObject({ removedLater: true }); // no placeholder: a removal
    expect(labels.get("DS/n_DynamicCheatsheet_Cumulative/m002@v1")?.elided).toBeUndefined();
  });

  it("never substitutes Baseline (a different prompt) for the same-prompt reference: says so and skips the credited labels", async () => {
    const sheet = "<memory_item>\n<description>\nA rule about sums.\n</description>\n** Count: 1 **\n</memory_item>";
    const dir = runDir({
      "m_DynamicCheatsheet_Cumulative.jsonl": [
        q(0, "7", "", sheet),
        q(1, "3", sheet, sheet.replace("Count: 1", "Count: 2")),
      ],
      "m_Baseline.jsonl": [q(0, "1", "", ""), q(1, "7", "", "")],
    });
    const r = await importAndRead("dynamic-cheatsheet", dir);
    expect(
      r.labels.every((l) => l.harmful === null && l.helpful === null && l.deadWeight === null && l.uplift === null),
    ).toBe(true);
    expect(
      r.events
        .filter((e) => e.library === "DS/m_DynamicCheatsheet_Cumulative")
        .every((e) => e.referenceOutcome === undefined),
    ).toBe(true);
    const paired = readJsonl<Comparison>(join(r.out, "comparisons.jsonl")).find((c) => c.kind === "paired-uplift")!;
    expect(paired).toMatchObject({
      b: null,
      n: 0,
      note: expect.stringMatching(/no same-prompt run without memory.*Baseline is a different prompt/),
    });
  });

  it("credits d only to items the run marks as used; dead weight = in context for ≥ 3 questions, never credited; noise floor between no-memory runs", async () => {
    const item = (t: string, count: number, refs = "") =>
      `<memory_item>\n<description>\n${t} ${refs}: a strategy about ${t.toLowerCase()} problems in general.\n</description>\n** Count: ${count} **\n</memory_item>\n`;
    // Used: its count rises after questions 1 and 3. Cited: gains a reference to Q3 (question idx 2). Idle: never marked.
    const c1 = item("Used", 1) + item("Cited", 1, "(Reference: Q1)") + item("Idle", 1);
    const c2 = item("Used", 2) + item("Cited", 1, "(Reference: Q1)") + item("Idle", 1);
    const c3 = item("Used", 2) + item("Cited", 1, "(Reference: Q1, Q3)") + item("Idle", 1);
    const c4 = item("Used", 3) + item("Cited", 1, "(Reference: Q1, Q3)") + item("Idle", 1);
    const dir = runDir({
      // memory run: q0 right, q1 wrong, q2 right, q3 right
      "m_DynamicCheatsheet_Cumulative.jsonl": [
        q(0, "7", "", c1),
        q(1, "3", c1, c2),
        q(2, "7", c2, c3),
        q(3, "7", c3, c4),
      ],
      // same prompt without memory: q0 right, q1 right, q2 wrong, q3 right
      "m_EmptyCheatsheet.jsonl": [q(0, "7", "", ""), q(1, "7", "", ""), q(2, "2", "", ""), q(3, "7", "", "")],
      "m_Baseline.jsonl": [q(0, "1", "", ""), q(1, "7", "", ""), q(2, "2", "", ""), q(3, "7", "", "")],
    });
    const r = await importAndRead("dynamic-cheatsheet", dir);
    const lib = "DS/m_DynamicCheatsheet_Cumulative";
    const labels = byId(r.labels);
    expect(labels.get(`${lib}/m001`)).toMatchObject({ uplift: -1, harmful: true, helpful: false, deadWeight: false }); // credited q1 (−1) and q3 (0)
    expect(labels.get(`${lib}/m002`)).toMatchObject({ uplift: 1, harmful: false, helpful: true, deadWeight: false }); // credited q2 (+1)
    expect(labels.get(`${lib}/m003`)).toMatchObject({ uplift: 0, harmful: false, helpful: false, deadWeight: true });
    const e = r.events.filter((x) => x.library === lib);
    expect(e.map((x) => x.usedItemIds)).toEqual([[], [`${lib}/m001`], [`${lib}/m002@v1`], [`${lib}/m001`]]); // the reference list changes the text: v1 was in context
    expect(e.map((x) => x.referenceOutcome)).toEqual(["success", "success", "failure", "success"]);
    const comps = readJsonl<Comparison>(join(r.out, "comparisons.jsonl"));
    expect(comps.find((c) => c.kind === "paired-uplift")).toMatchObject({
      a: lib,
      b: "DS/m_EmptyCheatsheet",
      n: 4,
      both: 2,
      aOnly: 1,
      bOnly: 1,
    });
    expect(comps.find((c) => c.kind === "noise-floor")).toMatchObject({
      n: 4,
      aOnly: 0,
      bOnly: 1,
      note: expect.stringMatching(/different prompts/),
    });
  });

  it("answers are checked by the benchmark's checker: a GPQA answer with its option text is right", async () => {
    expect(answersMatch("(B) 16.9%", "(B)", "GPQA_Diamond")).toBe(true);
    expect(answersMatch("033", "33", "AIME_2024")).toBe(true);
    const dir = runDir(
      { "m_EmptyCheatsheet.jsonl": [q(0, "(B) 16.9%", "", "", "(B)"), q(1, "(C)", "", "", "(B)")] },
      "GPQA_Diamond",
    );
    const r = await importAndRead("dynamic-cheatsheet", dir);
    expect(r.events.map((x) => x.outcome)).toEqual(["success", "failure"]);
    expect(r.events[0].outcomeBasis).toMatch(/choice checker/);
  });
});

describe.skipIf(!HAVE_REAL)("dynamic cheatsheet importer on the full real folder", () => {
  it("imports every run, once", async () => {
    const r = await importAndRead("dynamic-cheatsheet", join(REAL, "dynamic_cheatsheet"));
    expect(r.manifest.counts.libraries).toBe(24);
    expect(r.manifest.skipped.byReason["duplicate-run"]?.count).toBe(1); // raw/ repeats a slim run
    expect(r.events).toHaveLength(20 * 30 + 4 * 198);
    expect(r.labels.some((l) => l.harmful === true)).toBe(true);
    expect(r.labels.some((l) => l.deadWeight === true)).toBe(true);
    expect(r.labels.some((l) => l.elided === true)).toBe(true);
    const comps = readJsonl<Comparison>(join(r.out, "comparisons.jsonl"));
    expect(comps.filter((c) => c.kind === "paired-uplift").every((c) => c.b?.endsWith("_EmptyCheatsheet"))).toBe(true);
    expect(comps.filter((c) => c.kind === "noise-floor")).toHaveLength(6);
    expect(r.labels.some((l) => l.removedLater === true)).toBe(true);
    expect(r.labels.some((l) => l.rewrittenLater === true)).toBe(true);
  });
});
