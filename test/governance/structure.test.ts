import { describe, expect, it } from "vitest";
import {
  dependencyMaskBits,
  MASK_BITS,
  narrowMasks,
  resolveExactDuplicates,
  skillName,
  structuralRules,
} from "../../src/governance/structure.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { resolveCurator } from "../../src/curators/resolve.js";
import { GovernanceSchema } from "../../src/schemas/world.js";

const NO_CAP = GovernanceSchema.parse({ maxChangeShare: 1, minAgeToRetire: 0 });

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
    narrowMasks(masks, dependencyMaskBits([PICKAXE, MINE]));
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
    // a pinned copy is kept whatever its counts (it cannot be retired; decide pins items without new evidence)
    const pinned = resolveExactDuplicates(items.map((it) => (it.id === "a" ? { ...it, pinned: true } : it)));
    expect(pinned.retire).toEqual([false, true, false, true]);
    expect(res.groups).toEqual([[3, 1, 0]]);
    expect(Array.from(res.keptRow)).toEqual([3, 3, 2, 3]);
  });
});

describe("structural rules in decide", () => {
  const ctx = (id: string, content: string, extra: Partial<LibraryItem> = {}): LibraryItem => ({
    id,
    kind: "context",
    content,
    stats: { createdAt: 0 },
    ...extra,
  });
  const NOOP = skill("t1/confirmTaskCompletion", 'async function confirmTaskCompletion(bot) {\n  bot.chat("done");\n}');
  const JUNK = skill("t1/yourMainFunctionName", "async function craftTools(bot) { await craftItem(bot, 'stick', 4); }");
  const ELIDED = ctx(
    "m47",
    "<description>\nLogarithm systems (Reference: Q25)\n[Previous content preserved...]\n</description>",
  );
  const NOTE = ctx("n1", "Paginate list APIs: pass page_index until an empty page.");
  const COPY = ctx("n2", "paginate list APIs:  pass page_index until an empty page.", { stats: { createdAt: 4 } });
  const OTHER_LIB = ctx("n3", NOTE.content, { library: "other" });
  const PYTHON = skill("t1/craft", "def craft(bot):\n    pass");

  const library = [PICKAXE, MINE, NOOP, JUNK, ELIDED, NOTE, COPY, OTHER_LIB, PYTHON];
  const placeholder = (r: number) => r === 4;

  it("narrows each rule's items and says why; leaves everything else alone", () => {
    const { bits, why } = structuralRules(library, placeholder);
    const change = MASK_BITS.rewrite | MASK_BITS.retire;
    expect(bits[0]).toBe(15 & ~MASK_BITS.retire);
    expect(why[0]).toBe("called by live skill mineTenCobblestone");
    expect(bits[2]).toBe(change);
    expect(bits[3]).toBe(change);
    expect(why[3]).toBe("a skill that does nothing");
    expect(bits[4]).toBe(change);
    expect(why[4]).toContain("not there");
    // the older copy is kept; a copy in another library is not a duplicate
    expect(bits[5]).toBe(15);
    expect(bits[6]).toBe(MASK_BITS.retire);
    expect(why[6]).toBe("exact duplicate of n1");
    expect(bits[7]).toBe(15);
    // code it cannot read as JavaScript is never judged a no-op
    expect(bits[8]).toBe(15);
    expect(bits[1]).toBe(15);
  });

  it("never leaves an item without an action: a called duplicate stays, governance wins over a rule", () => {
    // two copies of a called skill: make the copy the caller resolves to the one the duplicate rule would retire
    const a = { ...PICKAXE, id: "t2/craftWoodenPickaxe" };
    const b = { ...PICKAXE, id: "t3/craftWoodenPickaxe" };
    const callee = dependencyMaskBits([a, b, MINE]).findIndex((x) => !(x & MASK_BITS.retire));
    const other = 1 - callee;
    const items = [a, b, MINE].map((it, r) => (r === other ? { ...it, stats: { helpful: 5 } } : it));
    const { bits, why } = structuralRules(items, () => false);
    expect(resolveExactDuplicates(items).retire[callee]).toBe(true);
    expect(bits[callee]).toBe(15 & ~MASK_BITS.retire);
    expect(why[callee]).toBe("called by live skill mineTenCobblestone");
    expect(bits[other]).toBe(15);
    // a pinned item allows keep only: the placeholder rule would leave nothing, so the mask stands
    const masks = Float32Array.from([1, 0, 0, 0, 1, 1, 1, 1]);
    const narrowed = narrowMasks(masks, Uint8Array.from([MASK_BITS.rewrite | MASK_BITS.retire, MASK_BITS.retire]));
    expect(Array.from(masks)).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    expect(narrowed).toEqual([false, true]);
  });

  it("decide retires the copy and does not keep the elided item or the no-op skill; off, the curator alone decides", async () => {
    const none = (await resolveCurator("none")).curator;
    const items = [NOTE, COPY, ELIDED, NOOP];
    const on = await decideWithCurator(none, "none", items, "mid", { governance: NO_CAP, now: 10 });
    expect(on.decisions.map((d) => d.action)).toEqual(["keep", "retire", "rewrite", "rewrite"]);
    expect(on.decisions[1].reason).toMatch(/^structural rule: exact duplicate of n1(;|$)/);
    expect(on.decisions[1].allowed).toEqual(["retire"]);
    const off = await decideWithCurator(none, "none", items, "mid", {
      governance: NO_CAP,
      now: 10,
      structuralRules: false,
    });
    expect(off.decisions.map((d) => d.action)).toEqual(["keep", "keep", "keep", "keep"]);
  });

  it("the change cap defers a rule's change to a later pass (keep), never to an action the rule forbids", async () => {
    const none = (await resolveCurator("none")).curator;
    const copies = Array.from({ length: 6 }, (_, i) => ctx(`c${i}`, NOTE.content, { stats: { createdAt: i } }));
    const capped = GovernanceSchema.parse({ maxChangeShare: 0.2 });
    const res = await decideWithCurator(none, "none", copies, "mid", { governance: capped, now: 10 });
    const actions = res.decisions.map((d) => d.action);
    expect(actions.filter((a) => a === "retire")).toHaveLength(1);
    expect(actions.filter((a) => a === "keep")).toHaveLength(5);
    expect(res.decisions.filter((d) => d.cappedFrom === "retire")).toHaveLength(4);
  });
});
