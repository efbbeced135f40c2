import { describe, expect, it } from "vitest";
import {
  andMaskBits,
  dependencyMaskBits,
  MASK_BITS,
  resolveExactDuplicates,
  skillName,
} from "../../src/governance/structure.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const skill = (id: string, content: string): LibraryItem => ({ id, kind: "skill", content });
const PICKAXE = skill(
  "t1/craftWoodenPickaxe",
  "async function craftWoodenPickaxe(bot) {\n  await craftItem(bot, 'wooden_pickaxe', 1);\n}",
);
const MINE = skill(
  "t1/mineTenCobblestone",
  "// uses craftWoodenPickaxe( when needed\nasync function mineTenCobblestone(bot) {\n  await craftWoodenPickaxe(bot);\n  bot.chat('mineWoodLog(');\n  await mineBlock(bot, 'stone', 10);\n}",
);
const LOG = skill("t1/mineWoodLog", "async function mineWoodLog(bot) { await mineBlock(bot, 'oak_log', 1); }");
const WITH_HELPER = skill(
  "t1/smeltIron",
  "async function mineWoodLog(bot) { }\nasync function smeltIron(bot) { await mineWoodLog(bot); }",
);

describe("skill dependency mask", () => {
  it("forbids retiring a skill a live skill calls, and nothing else", () => {
    const bits = dependencyMaskBits([PICKAXE, MINE, LOG]);
    expect(bits[0] & MASK_BITS.retire).toBe(0);
    expect(bits[0] & (MASK_BITS.keep | MASK_BITS.rewrite)).toBe(MASK_BITS.keep | MASK_BITS.rewrite);
    // Names in comments and strings are not calls; the caller itself stays retirable.
    expect(bits[1]).toBe(15);
    expect(bits[2]).toBe(15);
  });

  it("does not count a call to the caller's own helper of the same name", () => {
    expect(dependencyMaskBits([LOG, WITH_HELPER])[0]).toBe(15);
    expect(skillName(WITH_HELPER)).toBe("smeltIron");
  });

  it("applies as a float mask", () => {
    const masks = new Float32Array(8).fill(1);
    andMaskBits(masks, dependencyMaskBits([PICKAXE, MINE]));
    expect(Array.from(masks)).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
  });
});

describe("exact-duplicate resolution", () => {
  it("keeps the most helpful, then the oldest; retires the rest; ignores case and whitespace", () => {
    const ctx = (id: string, content: string, stats: LibraryItem["stats"]): LibraryItem => ({
      id,
      kind: "context",
      content,
      stats,
    });
    const items = [
      ctx("a", "Check the  API docs first.", { helpful: 1, createdAt: 5 }),
      ctx("b", "check the API docs first.", { helpful: 3, createdAt: 9 }),
      ctx("c", "Something else", {}),
      ctx("d", "CHECK the API docs first.", { helpful: 3, createdAt: 2 }),
    ];
    const res = resolveExactDuplicates(items);
    expect(res.retire).toEqual([true, true, false, false]);
    expect(res.groups).toEqual([[3, 1, 0]]);
    expect(Array.from(res.keptRow)).toEqual([3, 3, 2, 3]);
  });
});
