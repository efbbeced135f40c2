/**
 * Portable features: the published featurizer vectors (models/default/curator.features.json, written by every
 * `curator export`) are what the toolkit computes, every case input is a valid library line, and an
 * independent featurizer in Python (examples/python/featurizer.py, numpy, Debian's python3) reproduces them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FEATURE_ATOL,
  featureVectorsText,
  makeFeatureVectors,
  type FeatureVectors,
} from "../../src/export/feature-vectors.js";
import { LiveItemSchema } from "../../src/library/io.js";
import { FEATURE_NAMES } from "../../src/features/featurizer.js";

const PY = "/usr/bin/python3";
const PORT = join(process.cwd(), "examples/python/featurizer.py");
const PUBLISHED = join(process.cwd(), "models/default/curator.features.json");

function runPort(file: string): {
  status: number | null;
  result: { checked: string[]; skipped: string[]; failures: string[]; maxAbsDiff: number; tokenizer: string | null };
} {
  const r = spawnSync(PY, [PORT, file], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return { status: r.status, result: JSON.parse(r.stdout) };
}

describe("featurizer vectors", () => {
  it("the committed file is what the featurizer computes today (regenerate it when the featurizer changes)", () => {
    expect(readFileSync(PUBLISHED, "utf8")).toBe(featureVectorsText());
  });

  it("cover the edge cases with valid library lines", () => {
    const v = makeFeatureVectors();
    expect(v.featureNames).toEqual(FEATURE_NAMES);
    expect(v.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "zero-retrievals",
        "huge-counts",
        "missing-stats",
        "two-libraries",
        "similarity-computed",
      ]),
    );
    for (const c of v.cases)
      for (const it of c.input.items) expect(LiveItemSchema.safeParse(it).success, `${c.name}/${it.id}`).toBe(true);
    const huge = v.cases.find((c) => c.name === "huge-counts")!;
    expect(Math.max(...huge.expected.features.flat())).toBeGreaterThan(27);
    expect(v.cases.filter((c) => c.needsTokenizer).map((c) => c.name)).toEqual(["tokens-from-tokenizer"]);
  });
});

describe.skipIf(!existsSync(PY))("the Python reference featurizer", () => {
  it("reproduces every published case within 1e-6", () => {
    const { status, result } = runPort(PUBLISHED);
    expect(result.failures).toEqual([]);
    expect(status).toBe(0);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(FEATURE_ATOL);
    const v = JSON.parse(readFileSync(PUBLISHED, "utf8")) as FeatureVectors;
    // Only cases that need an o200k_base tokenizer may be skipped, and only when none is installed.
    const needTok = v.cases.filter((c) => c.needsTokenizer).map((c) => c.name);
    expect(result.skipped).toEqual(result.tokenizer ? [] : needTok);
    expect([...result.checked, ...result.skipped].sort()).toEqual(v.cases.map((c) => c.name).sort());
  });

  it("fails on a vector that is off by more than 1e-6", () => {
    const v = JSON.parse(readFileSync(PUBLISHED, "utf8")) as FeatureVectors;
    v.cases[0].expected.features[1][7] += 1e-5;
    const file = join(mkdtempSync(join(tmpdir(), "features-")), "tampered.json");
    writeFileSync(file, JSON.stringify(v));
    const { status, result } = runPort(file);
    expect(status).toBe(1);
    expect(result.failures.join("\n")).toMatch(/typical: features differ/);
  });
});
