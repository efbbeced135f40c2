/**
 * Executor domain randomization (issue 18): draws are a pure function of (seed, region, index), stay inside the
 * documented ranges, and the held-out region never overlaps the training region.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  EXECUTOR_DISTRIBUTION,
  EXECUTOR_HOLDOUT,
  inTrainingRegion,
  parseExecutorSample,
  sampleExecutors,
} from "../../src/executors/sampler.js";
import { resolveExecutor, resolveExecutors } from "../../src/executors/presets.js";
import { ExecutorProfileSchema, type ExecutorProfile } from "../../src/schemas/executor.js";
import { isCuratorError } from "../../src/errors.js";

const field = (p: ExecutorProfile, f: string): number =>
  f.startsWith("authoring.")
    ? (p.authoring as Record<string, number>)[f.slice(10)]
    : (p as unknown as Record<string, number>)[f];

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isCuratorError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("no error");
}

describe("executor sampler", () => {
  it("is deterministic, nested (sample:8 is the head of sample:64) and seed-dependent", () => {
    const a = sampleExecutors("sample:64@seed=3");
    expect(sampleExecutors("sample:64@seed=3")).toEqual(a);
    expect(sampleExecutors("sample:8@seed=3")).toEqual(a.slice(0, 8));
    expect(sampleExecutors("sample:8@seed=4").map((p) => p.baseSkill)).not.toEqual(
      a.slice(0, 8).map((p) => p.baseSkill),
    );
    expect(sampleExecutors("sample:4")).toEqual(sampleExecutors("sample:4:train@seed=1"));
  });

  it("training draws are valid profiles inside every documented range", () => {
    const draws = sampleExecutors("sample:400@seed=9");
    for (const p of draws) {
      expect(ExecutorProfileSchema.safeParse(p).success).toBe(true);
      expect(inTrainingRegion(p)).toBe(true);
      for (const [f, d] of Object.entries(EXECUTOR_DISTRIBUTION)) {
        expect(field(p, f), `${p.name} ${f}`).toBeGreaterThanOrEqual(d.lo);
        expect(field(p, f), `${p.name} ${f}`).toBeLessThanOrEqual(d.hi);
      }
    }
    // The draws actually spread over the range (budgets from ~1k to 16k).
    const budgets = draws.map((p) => p.contextBudget);
    expect(Math.min(...budgets)).toBeLessThan(1000);
    expect(Math.max(...budgets)).toBeGreaterThan(12000);
  });

  it("held-out draws all lie outside the training region, in skill, budget or both", () => {
    const draws = sampleExecutors("sample:400:holdout@seed=9");
    let skillOut = 0;
    let budgetOut = 0;
    for (const p of draws) {
      expect(ExecutorProfileSchema.safeParse(p).success).toBe(true);
      expect(inTrainingRegion(p), p.name).toBe(false);
      const sOut = p.baseSkill < EXECUTOR_DISTRIBUTION.baseSkill.lo || p.baseSkill > EXECUTOR_DISTRIBUTION.baseSkill.hi;
      const bOut = p.contextBudget > EXECUTOR_DISTRIBUTION.contextBudget.hi;
      expect(sOut || bOut).toBe(true);
      skillOut += sOut ? 1 : 0;
      budgetOut += bOut ? 1 : 0;
      expect(Math.abs(p.baseSkill)).toBeLessThanOrEqual(EXECUTOR_HOLDOUT.baseSkill.above[1]);
      expect(p.contextBudget).toBeLessThanOrEqual(EXECUTOR_HOLDOUT.contextBudget.above[1]);
    }
    expect(skillOut).toBeGreaterThan(100);
    expect(budgetOut).toBeGreaterThan(100);
    // No held-out profile shares a name with a training one.
    const train = new Set(sampleExecutors("sample:400@seed=9").map((p) => p.name));
    expect(draws.some((p) => train.has(p.name))).toBe(false);
  });

  it("the presets of the default training set lie in the training region", () => {
    for (const name of ["weak", "mid", "strong", "tiny"])
      expect(inTrainingRegion(resolveExecutor(name)), name).toBe(true);
  });

  it("bad specs are clear errors naming the form", () => {
    for (const bad of [
      "sample",
      "sample:",
      "sample:x",
      "sample:4:test",
      "sample:4@seed=-1",
      "sample:4@seed=",
      "sample:4@3",
    ]) {
      const e = errorOf(() => parseExecutorSample(bad));
      expect(e.code, bad).toBe("BAD_ARGUMENT");
      expect(e.message, bad).toContain("sample:COUNT[:train|:holdout][@seed=N]");
    }
    expect(errorOf(() => parseExecutorSample("sample:0")).message).toMatch(/COUNT must be 1\.\./);
    expect(errorOf(() => resolveExecutor("sample:4")).message).toMatch(/--executors of collect and eval/);
    expect(errorOf(() => resolveExecutors("sample:4,sample:8")).message).toMatch(/'sample1-000' twice/);
  });

  it("docs/domain-randomization.md states every field's range as the sampler draws it", () => {
    const doc = readFileSync("docs/domain-randomization.md", "utf8");
    for (const [f, d] of Object.entries(EXECUTOR_DISTRIBUTION)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${f}\``));
      expect(row, f).toBeDefined();
      expect(row).toContain(`${d.dist}${"integer" in d ? " integer" : ""} [${d.lo}, ${d.hi}]`);
    }
  });
});
