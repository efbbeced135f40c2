import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readDataset } from "../../src/data/dataset.js";
import { DECISION_COLUMNS } from "../../src/schemas/dataset.js";
import { collect } from "../../src/collect/collect.js";
import { queryParquet, sqlString } from "../../src/data/duckdb.js";
import { tempDir } from "./fixtures.js";
import { train } from "../../src/train/train.js";
import { existsSync } from "node:fs";

/** Written by `curator collect --world tiny --streams 2 --tasks 12 --seed 3` before the per-table layout (schema 1). */
const FLAT_V1 = join(import.meta.dirname, "..", "fixtures", "datasets", "v1-flat");
/** The same collection made by featurizer obs-v1 (26 features): refused for training since obs-v2. */
const OBS_V1 = join(import.meta.dirname, "..", "fixtures", "datasets", "obs-v1-flat");

describe("dataset layout: one folder per table", () => {
  it("collects into decisions/ and tasks/ folders that DuckDB reads one table at a time, and still loads schema-1 datasets", async () => {
    const out = join(tempDir(), "ds");
    await collect({ world: "tiny", streams: 2, tasks: 12, seed: 3, out });
    expect(readdirSync(out).sort()).toEqual([".curator-output.json", "decisions", "manifest.json", "tasks"]);
    const [{ n, s }] = await queryParquet(
      `SELECT count(*) AS n, count(DISTINCT stream_id) AS s FROM read_parquet(${sqlString(join(out, "decisions", "**", "*.parquet"))})`,
    );
    const [{ t }] = await queryParquet(
      `SELECT count(*) AS t FROM read_parquet(${sqlString(join(out, "tasks", "**", "*.parquet"))})`,
    );
    expect({ n, s, t }).toEqual({ n: 16, s: 2, t: 24 });

    const old = await readDataset(FLAT_V1);
    const now = await readDataset(out);
    expect(old.manifests[0].datasetSchemaVersion).toBe(1);
    expect(now.manifests[0].datasetSchemaVersion).toBe(2);
    // The same collection in either layout holds the same rows; the old files predate the optional propensity
    // columns, which load as absent (not as zeros).
    const optional = DECISION_COLUMNS.filter((c) => c.optional).map((c) => c.name);
    expect(optional.filter((c) => c in old.decisions)).toEqual([]);
    expect(optional.every((c) => c in now.decisions)).toBe(true);
    const without = Object.fromEntries(Object.entries(now.decisions).filter(([k]) => !optional.includes(k)));
    expect(old.decisions).toEqual(without);
    expect(old.tasks).toEqual(now.tasks);
  });

  it("refuses a dataset of the previous featurizer version for training, naming both versions, and writes nothing", async () => {
    const out = join(tempDir(), "model");
    const e = await train({ data: OBS_V1, algo: "bc", seed: 1, out }).then(
      () => null,
      (x: unknown) => x as { code: string; message: string },
    );
    expect(e?.code).toBe("VERSION_MISMATCH");
    expect(e?.message).toContain('featurizer version "obs-v1"');
    expect(e?.message).toContain('"obs-v3"');
    expect(e?.message).toContain("Re-collect");
    expect(existsSync(out)).toBe(false);
  });
});
