/** Reasons cite numbers that are true: each fragment is parsed and checked against the item's own stats. */
import { describe, expect, it } from "vitest";
import { decideWithCurator, type Decision } from "../../src/runtime/decide.js";
import { heuristicCurator } from "../../src/curators/baselines.js";
import type { Curator } from "../../src/curators/types.js";
import type { LibraryItem } from "../../src/schemas/item.js";
import { GovernanceSchema } from "../../src/schemas/world.js";
import { REASON_THRESHOLDS } from "../../src/runtime/reasons.js";
import type { ExecutorObservation } from "../../src/features/featurizer.js";

const NO_CAP = GovernanceSchema.parse({ maxChangeShare: 1 });
const pct = (x: number) => Math.round(100 * x);

/** Checks every fragment of a reason against the item; returns how many fragments were checked. */
function checkReason(d: Decision, item: LibraryItem, now: number, e: ExecutorObservation): number {
  const s = item.stats ?? {};
  const outcomes = (s.successes ?? 0) + (s.failures ?? 0);
  const age = now - (s.createdAt ?? now);
  let checked = 0;
  for (const frag of d.reason.split("; ")) {
    let m: RegExpMatchArray | null;
    if ((m = frag.match(/^(helps|failing): (\d+) of (\d+) tasks with it succeeded \((\d+)%\) vs (\d+)% /))) {
      expect(+m[2]).toBe(s.successes ?? 0);
      expect(+m[3]).toBe(outcomes);
      expect(+m[4]).toBe(pct((s.successes ?? 0) / outcomes));
      expect(+m[5]).toBe(pct(e.successRate));
      const gap = (s.successes ?? 0) / outcomes - e.successRate;
      if (m[1] === "helps") expect(gap).toBeGreaterThanOrEqual(REASON_THRESHOLDS.rateGap);
      else expect(gap).toBeLessThanOrEqual(-REASON_THRESHOLDS.rateGap);
    } else if ((m = frag.match(/^never retrieved in (\d+) tasks$/))) {
      expect(s.timesRetrieved ?? 0).toBe(0);
      expect(+m[1]).toBe(age);
    } else if ((m = frag.match(/^unused for (\d+) tasks$/))) {
      expect(+m[1]).toBe(now - (s.lastRetrievedAt as number));
    } else if ((m = frag.match(/^retrieved (\d+) times, last (\d+) tasks ago$/))) {
      expect(+m[1]).toBe(s.timesRetrieved);
      expect(+m[2]).toBe(now - (s.lastRetrievedAt as number));
    } else if ((m = frag.match(/^long vs budget \((\d+) tokens = (\d+)% of (\d+)\)$/))) {
      expect(+m[1]).toBe(item.tokens);
      expect(+m[3]).toBe(e.contextBudget);
      expect(+m[2]).toBe(pct(item.tokens! / e.contextBudget));
    } else if ((m = frag.match(/^recent failures (\d+) of (\d+)$/))) {
      expect(+m[1]).toBe(s.recentFailures);
      expect(+m[2]).toBe((s.recentFailures ?? 0) + (s.recentSuccesses ?? 0));
    } else if ((m = frag.match(/^flagged harmful (\d+) time\(s\) \(helpful (\d+)\)$/))) {
      expect([+m[1], +m[2]]).toEqual([s.harmful, s.helpful ?? 0]);
    } else if (
      (m = frag.match(/^change cap reached this pass: the curator chose (\w+) \(p ([\d.]+)\), (\w+) instead$/))
    ) {
      expect(m[1]).toBe(d.cappedFrom);
      expect(+m[2]).toBeCloseTo(d.probs[d.cappedFrom!], 3);
      expect(m[3]).toBe(d.action);
    } else if ((m = frag.match(/^structural rule: (.*)$/))) {
      expect(m[1]).toMatch(
        /^(called by live skill \S+|exact duplicate of .+|its text stands for content that is not there .*|a skill that does nothing)$/,
      );
    } else if (/^(pinned|no strong signal|model preference)/.test(frag)) {
      // constraint / no signal: nothing numeric
    } else throw new Error(`unchecked reason fragment '${frag}' (item ${item.id})`);
    checked++;
  }
  return checked;
}

const LIB: LibraryItem[] = [
  {
    id: "helps",
    kind: "skill",
    content: "a",
    tokens: 50,
    stats: { createdAt: 0, lastRetrievedAt: 99, timesRetrieved: 20, successes: 18, failures: 2 },
  },
  {
    id: "fails",
    kind: "skill",
    content: "b",
    tokens: 50,
    stats: {
      createdAt: 0,
      lastRetrievedAt: 95,
      timesRetrieved: 12,
      successes: 1,
      failures: 11,
      recentFailures: 5,
      recentSuccesses: 1,
    },
  },
  { id: "idle", kind: "context", content: "c", tokens: 40, stats: { createdAt: 10 } },
  {
    id: "stale",
    kind: "context",
    content: "d",
    tokens: 40,
    stats: { createdAt: 5, lastRetrievedAt: 20, timesRetrieved: 2, successes: 1, failures: 1 },
  },
  {
    id: "long",
    kind: "context",
    content: "e",
    tokens: 2000,
    stats: { createdAt: 50, lastRetrievedAt: 100, timesRetrieved: 3, successes: 2, failures: 1 },
  },
  {
    id: "flagged",
    kind: "skill",
    content: "f",
    tokens: 60,
    stats: { createdAt: 30, lastRetrievedAt: 98, timesRetrieved: 6, successes: 3, failures: 3, harmful: 3, helpful: 1 },
  },
];

describe("reasons", () => {
  it("every fragment cites the item's own counts and the executor's rate", async () => {
    const e = { successRate: 0.55, contextBudget: 4000, budgetUse: 0.3 };
    // the items' texts are stand-ins ("a", "e"): structural rules would read them as placeholders
    const r = await decideWithCurator(heuristicCurator, "h", LIB, undefined, {
      executorStats: e,
      governance: NO_CAP,
      structuralRules: false,
    });
    let checked = 0;
    r.decisions.forEach((d, i) => (checked += checkReason(d, LIB[i], 101, e)));
    expect(checked).toBeGreaterThanOrEqual(LIB.length);
    expect(r.decisions.find((d) => d.id === "helps")!.reason).toContain("helps: 18 of 20");
    expect(r.decisions.find((d) => d.id === "fails")!.reason).toContain("failing: 1 of 12");
  });

  it("an item as good as the executor is not said to help (tau-bench: every item cited '42% vs 42%'; failed before)", async () => {
    // Every item retrieved in every task: its rate is the library's pooled rate.
    const same: LibraryItem[] = Array.from({ length: 6 }, (_, i) => ({
      id: `p${i}`,
      kind: "context",
      content: `policy ${i}`,
      tokens: 20,
      stats: { createdAt: 0, lastRetrievedAt: 199, timesRetrieved: 200, successes: 84, failures: 116 },
    }));
    const r = await decideWithCurator(heuristicCurator, "h", same, "mid", { governance: NO_CAP });
    expect(r.executorSources.successRate).toBe("library");
    for (const [i, d] of r.decisions.entries()) {
      expect(d.reason).not.toMatch(/helps|failing/);
      checkReason(d, same[i], 200, r.executorObservation);
    }
  });

  it("a capped row keeps the curator's own probabilities; the override is recorded separately and its reason is true", async () => {
    const want = [0.1, 0.05, 0.05, 0.8];
    const retireAll: Curator = {
      name: "retire-all",
      probs: (b) =>
        Float32Array.from({ length: b.rows * 4 }, (_, k) => want[k % 4] - (k % 4 === 3 ? Math.floor(k / 4) * 0.01 : 0)),
    };
    const items = LIB.map((it) => ({ ...it, stats: { ...it.stats, createdAt: 0 } }));
    const r = await decideWithCurator(retireAll, "h", items, undefined, {
      executorStats: { successRate: 0.5, contextBudget: 4000, budgetUse: 0.2 },
      governance: GovernanceSchema.parse({ maxChangeShare: 0.2 }),
    });
    expect(r.capped).toBe(LIB.length - 1);
    expect(r.decisions[0]).toMatchObject({ action: "retire" });
    expect(r.decisions[0].cappedFrom).toBeUndefined();
    for (const [i, d] of r.decisions.slice(1).entries()) {
      const own = want.map((p, a) => (a === 3 ? p - (i + 1) * 0.01 : p));
      const total = own.reduce((t, p) => t + p, 0);
      expect(d.cappedFrom).toBe("retire");
      expect(d.action).toBe("keep");
      expect(d.allowed).toEqual(["keep", "compress"]);
      expect(d.probs.retire).toBeCloseTo(own[3] / total, 6);
      checkReason(d, items[i + 1], 101, r.executorObservation);
    }
  });
});
