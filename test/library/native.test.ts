/**
 * Back out: a curated library is written in its source's native format. Round trip: importing an ACE playbook,
 * deciding with nothing to change (--model none) and writing it back gives the same playbook up to the
 * documented normalisation (blank lines and rule-less section headers dropped, header ':' dropped, one space
 * after '[id]'). Voyager and Dynamic Cheatsheet outputs import back to the same items.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, runCliJson, expectUserError } from "../helpers/run-cli.js";
import { FIXTURES } from "../import/helpers.js";
import { importSource, loadImport } from "../../src/import/run.js";
import { curateLibrary } from "../../src/library/curate.js";
import { exportLibrary, writeAcePlaybook } from "../../src/library/native.js";
import { parseMemoryItems } from "../../src/import/dc-parse.js";
import { toJsonl } from "../../src/library/io.js";
import { isCuratorError } from "../../src/errors.js";

const ACE = join(FIXTURES, "ace-playbook/online");
const LATEST = join(ACE, "react_playbook_online_test_normal_without_gt_coherent_cleaned.txt");

/** The documented normalisation of an ACE playbook. */
function normalisePlaybook(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (/^#{1,6}\s/.test(l)) {
      const next = lines[i + 1];
      if (next === undefined || /^#{1,6}\s/.test(next)) return; // a section without rules
      out.push(`## ${l.replace(/^#+\s*/, "").replace(/\s*:\s*$/, "")}`);
    } else out.push(l.replace(/^(\[[^\]]+\])\s+/, "$1 "));
  });
  return `${out.join("\n")}\n`;
}

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `native-${p}-`));

describe("export-library", () => {
  it("ACE: import → decide --model none → export gives the same playbook (normalised)", async () => {
    const dir = tmp("ace");
    await importSource("ace-playbook", ACE, join(dir, "imp"));
    const decided = await curateLibrary({
      model: "none",
      library: join(dir, "imp/library.jsonl"),
      executor: "mid",
      out: join(dir, "cur"),
    });
    expect(decided.written?.counts.keep).toBe(22);
    const r = await runCliJson<{ items: number; pending: number }>([
      "export-library",
      "--format",
      "ace",
      "--from",
      join(dir, "cur"),
      "--out",
      join(dir, "back.txt"),
      "--json",
    ]);
    expect(r).toMatchObject({ items: 22, pending: 0 });
    const back = readFileSync(join(dir, "back.txt"), "utf8");
    expect(back).toBe(normalisePlaybook(back)); // the writer's output is already normal
    expect(back).toBe(normalisePlaybook(readFileSync(LATEST, "utf8")));
  });

  it("ACE: counters come back in ACE's own form; retired rules are gone", () => {
    const dir = tmp("ace-counters");
    writeFileSync(
      join(dir, "pb.txt"),
      "## STRATEGIES:\n[shr-00001] helpful=3, harmful=1 : check the docs\n  and the examples\n[shr-00002] keep steps small\n## EMPTY\n",
    );
    const lib = loadImport("ace-playbook", dir).library;
    expect(writeAcePlaybook(lib)).toBe(
      "## STRATEGIES\n[shr-00001] helpful=3 harmful=1 :: check the docs\nand the examples\n[shr-00002] keep steps small\n",
    );
    expect(writeAcePlaybook(lib.slice(1))).toBe("## STRATEGIES\n[shr-00002] keep steps small\n");
  });

  it("Voyager: the skill folder imports back to the same skills", async () => {
    const lib = loadImport("voyager", join(FIXTURES, "voyager/ckpt_llama")).library;
    const dir = tmp("voyager");
    writeFileSync(join(dir, "library.jsonl"), toJsonl(lib));
    const out = join(dir, "ckpt");
    const r = await exportLibrary({ format: "voyager", from: join(dir, "library.jsonl"), out });
    expect(r.items).toBe(lib.length);
    const skills = JSON.parse(readFileSync(join(out, "skill/skills.json"), "utf8"));
    expect(Object.keys(skills)).toEqual(lib.map((i) => i.meta!.skill));
    const again = loadImport("voyager", out).library;
    expect(again.map((i) => [i.meta!.skill, i.content, i.meta!.description])).toEqual(
      lib.map((i) => [i.meta!.skill, i.content, i.meta!.description]),
    );
  });

  it("Dynamic Cheatsheet: the cheatsheet parses back to the same entries and counts", async () => {
    const all = loadImport("dynamic-cheatsheet", join(FIXTURES, "dynamic-cheatsheet/AIME_2024")).library;
    const cumulative = all.filter((i) => i.meta?.approach === "cumulative");
    expect(cumulative.length).toBeGreaterThan(0);
    const dir = tmp("dc");
    writeFileSync(join(dir, "library.jsonl"), toJsonl(all));
    const name = cumulative[0].library!;
    await exportLibrary({
      format: "dc",
      from: join(dir, "library.jsonl"),
      out: join(dir, "cheatsheet.txt"),
      library: name,
    });
    const entries = parseMemoryItems(readFileSync(join(dir, "cheatsheet.txt"), "utf8"));
    expect(entries.map((e) => [e.text, e.count])).toEqual(cumulative.map((i) => [i.content, i.meta?.count ?? 1]));
    // a retrieval run's previous solutions are not cheatsheet entries
    const retrieval = all.find((i) => i.tags?.includes("previous-solution"))!;
    await expect(
      exportLibrary({
        format: "dc",
        from: join(dir, "library.jsonl"),
        out: join(dir, "r.txt"),
        library: retrieval.library,
      }),
    ).rejects.toThrow(/previous solutions/);
    expect(existsSync(join(dir, "r.txt"))).toBe(false);
  });

  it("refuses a non-empty --out and an ambiguous multi-library input, writing nothing", async () => {
    const dir = tmp("refuse");
    const lib = loadImport("voyager", join(FIXTURES, "voyager")).library;
    writeFileSync(join(dir, "library.jsonl"), toJsonl(lib));
    const several = await runCli([
      "export-library",
      "--format",
      "voyager",
      "--from",
      join(dir, "library.jsonl"),
      "--out",
      join(dir, "o"),
    ]);
    expect(expectUserError(several, "BAD_ARGUMENT")).toMatch(/2 libraries \(ckpt_llama, history\).*--library/);
    expect(existsSync(join(dir, "o"))).toBe(false);
    writeFileSync(join(dir, "mine.txt"), "my notes\n");
    const e = await exportLibrary({
      format: "ace",
      from: join(dir, "library.jsonl"),
      out: join(dir, "mine.txt"),
      library: "history",
    }).catch((x) => x);
    expect(isCuratorError(e) && e.code).toBe("OUTPUT_EXISTS");
    expect(readFileSync(join(dir, "mine.txt"), "utf8")).toBe("my notes\n");
    mkdirSync(join(dir, "empty"));
    await exportLibrary({
      format: "voyager",
      from: join(dir, "library.jsonl"),
      out: join(dir, "empty"),
      library: "history",
    });
    expect(existsSync(join(dir, "empty/skill/skills.json"))).toBe(true);
  });
});
