import { describe, expect, it } from "vitest";
import { hasPlaceholder, isNoopSkillLabel } from "../../src/eval/battery/build.js";
import { isJunkSkill, isNoopSkill } from "../../src/governance/structure.js";
import { readBattery, scoreCurator } from "../../src/eval/battery/run.js";
import type { BatteryRow } from "../../src/eval/battery/schema.js";

describe("expert battery", () => {
  it("builder rules recognise the real cases they were written for", () => {
    expect(
      hasPlaceholder("<description>\nGeometry (Reference: Q10)\n[Previous content preserved...]\n</description>"),
    ).toBe(true);
    expect(hasPlaceholder("[Previous content for game theory remains unchanged...]")).toBe(true);
    expect(hasPlaceholder("Use arr[i] and [1, 2, 3] freely")).toBe(false);
    const skill = (id: string, content: string) => ({ id, kind: "skill" as const, content });
    const chatOnly =
      '// main\nasync function confirmTaskCompletion(bot) {\n  bot.chat("Task completed: 2 oak logs collected!");\n}';
    expect(isNoopSkill(skill("a/confirmTaskCompletion", chatOnly))).toBe(true);
    expect(
      isNoopSkill(skill("a/mineWoodLog", "async function mineWoodLog(bot) { await mineBlock(bot, 'oak_log', 1); }")),
    ).toBe(false);
    // decide's rule judges JavaScript only; the battery's label also counts a "skill" with no function at all
    const python = "def craft(bot):\n    pass";
    expect(isNoopSkill(skill("a/craft", python))).toBe(false);
    expect(isNoopSkillLabel(skill("a/craft", python))).toBe(true);
    expect(isNoopSkill({ id: "a/note", kind: "context", content: chatOnly })).toBe(false);
    expect(
      isJunkSkill({
        id: "octo/yourMainFunctionName",
        content: "async function yourMainFunctionName(bot) { await craftWoodenTools(bot); }",
      }),
    ).toBe(true);
  });

  it("the committed fixture parses and holds the issue's cases", () => {
    const rows = readBattery("test/fixtures/expert-battery.jsonl");
    const find = (id: string) => rows.find((r) => r.item.id === id);
    expect(find("minedojo_trial1/craftWoodenPickaxe")?.class).toBe("called-skill");
    expect(find("minedojo_trial1/craftWoodenPickaxe")?.accept).not.toContain("retire");
    expect(rows.filter((r) => r.class === "duplicate-retire").length).toBeGreaterThan(20);
  });

  it("structural rules turn an append-only curator's wrong keep of an exact duplicate into retire", async () => {
    const row = (id: string, cls: BatteryRow["class"], accept: BatteryRow["accept"]): BatteryRow => ({
      class: cls,
      accept,
      rule: "test",
      source: "test:lib",
      now: 10,
      item: { id, kind: "context", content: "Always paginate list APIs.", stats: { createdAt: id === "a" ? 1 : 5 } },
    });
    const rows = [row("a", "duplicate-keep", ["keep", "compress"]), row("b", "duplicate-retire", ["retire"])];
    const plain = await scoreCurator("none", rows, false);
    const structured = await scoreCurator("none", rows, true);
    expect(plain.decisions.map((d) => d.action)).toEqual(["keep", "keep"]);
    expect(structured.decisions.map((d) => d.action)).toEqual(["keep", "retire"]);
    expect(structured.overall).toEqual({ correct: 2, total: 2 });
  });
});
