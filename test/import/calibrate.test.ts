import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrate, distribution } from "../../src/import/calibrate.js";
import { renderCalibrationReadme } from "../../src/import/calibrate-report.js";
import { calibrateWorld } from "../../src/import/calibrate-world.js";
import { HAVE_REAL, REAL } from "./helpers.js";

const CARD = resolve(import.meta.dirname, "../../datasets/real-calibration/card.json");

describe("calibration", () => {
  it("summarises a distribution with interpolated quantiles", () => {
    expect(distribution([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual({
      n: 10,
      mean: 5.5,
      median: 5.5,
      p10: 1.9,
      p90: 9.1,
      min: 1,
      max: 10,
    });
    expect(distribution([])).toBeNull();
  });

  it.skipIf(!HAVE_REAL)(
    "reproduces the committed card from the real data and SkillWorld, and the README from the card",
    async () => {
      const card = { ...calibrate(REAL), skillworld: await calibrateWorld() };
      const committed = JSON.parse(readFileSync(CARD, "utf8"));
      expect(card).toEqual(committed);
      const readme = readFileSync(join(CARD, "..", "README.md"), "utf8");
      expect(readme).toBe(`${renderCalibrationReadme(card, "../shared/data/real")}\n`);
      const bySource = Object.fromEntries(card.sources.map((s) => [s.format, s]));
      expect(Object.keys(bySource).sort()).toEqual([
        "ace-playbook",
        "agent-s",
        "dynamic-cheatsheet",
        "tau-bench",
        "voyager",
      ]);
      expect(bySource.voyager.tokens!.median).toBeGreaterThan(100);
      expect(bySource["dynamic-cheatsheet"].wrongShare).toBeGreaterThan(0);
    },
  );
});
