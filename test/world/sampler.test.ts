/** World domain randomization (issue 18): one draw per stream, deterministic, in range; held-out drift beyond training. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  WORLD_DISTRIBUTION,
  WORLD_HOLDOUT,
  drawWorldFields,
  parseWorldSample,
  sampledWorldSource,
} from "../../src/world/sampler.js";
import { resolveWorld, resolveWorldSource } from "../../src/world/presets.js";
import { WorldConfigSchema } from "../../src/schemas/world.js";
import { isCuratorError } from "../../src/errors.js";

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isCuratorError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error("no error");
}

describe("world sampler", () => {
  it("draws per stream, deterministically, valid worlds inside the documented ranges", () => {
    const src = sampledWorldSource("sample@seed=5");
    let shared = 0;
    for (let s = 0; s < 300; s++) {
      const w = src.forStream(s);
      expect(WorldConfigSchema.parse(w)).toEqual(w);
      expect(src.forStream(s)).toEqual(w);
      for (const [f, d] of Object.entries(WORLD_DISTRIBUTION)) {
        const x = (w as unknown as Record<string, number>)[f];
        expect(x, f).toBeGreaterThanOrEqual(d.lo);
        expect(x, f).toBeLessThanOrEqual(f === "initialActiveFamilies" ? w.families : d.hi);
      }
      expect(w.curationInterval).toBe(WorldConfigSchema.parse({}).curationInterval);
      shared += w.sharedLibrary ? 1 : 0;
    }
    expect(shared).toBeGreaterThan(40);
    expect(shared).toBeLessThan(120);
    expect(drawWorldFields({ region: "train", seed: 5 }, 0)).not.toEqual(
      drawWorldFields({ region: "train", seed: 6 }, 0),
    );
  });

  it("held-out worlds drift or shift faster than any training world", () => {
    const D = WORLD_DISTRIBUTION;
    for (let s = 0; s < 300; s++) {
      const w = drawWorldFields({ region: "holdout", seed: 2 }, s);
      expect(w.driftRate! > D.driftRate.hi || w.popularityShiftRate! > D.popularityShiftRate.hi).toBe(true);
      expect(w.driftRate!).toBeLessThanOrEqual(WORLD_HOLDOUT.driftRate.above[1]);
    }
  });

  it("the record lists every stream's draw; a fixed world is recorded as before", () => {
    const rec = sampledWorldSource("sample:holdout@seed=3").record([4, 5]) as {
      sampler: string;
      draws: { stream: number }[];
    };
    expect(rec.sampler).toBe("sample:holdout@seed=3");
    expect(rec.draws.map((d) => d.stream)).toEqual([4, 5]);
    expect(rec.draws[1]).toEqual({ stream: 5, ...drawWorldFields({ region: "holdout", seed: 3 }, 5) });
    expect(resolveWorldSource("fast-drift", 7).record([0])).toEqual({
      ...resolveWorld("fast-drift"),
      curationInterval: 7,
    });
  });

  it("bad specs and sampled worlds where one world is needed are clear errors", () => {
    for (const bad of ["sample:3", "sample@seed=x", "sample:holdout:train"])
      expect(
        messageOf(() => parseWorldSample(bad)),
        bad,
      ).toMatch(/^BAD_ARGUMENT: .*sample\[:train\|:holdout\]\[@seed=N\]/);
    expect(messageOf(() => resolveWorld("sample"))).toMatch(/^BAD_ARGUMENT: .*only collect/);
  });

  it("docs/domain-randomization.md states every world field's range as the sampler draws it", () => {
    const doc = readFileSync("docs/domain-randomization.md", "utf8");
    for (const [f, d] of Object.entries(WORLD_DISTRIBUTION)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${f}\``));
      expect(row, f).toBeDefined();
      expect(row).toContain(`${d.dist}${"integer" in d ? " integer" : ""} [${d.lo}, ${d.hi}]`);
    }
  });
});
