import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CuratorError } from "../../src/errors.js";
import { FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { DATASET_SCHEMA_VERSION } from "../../src/schemas/dataset.js";
import { datasetHash, readDataset, writeDataset } from "../../src/data/dataset.js";
import { queryParquet, sqlString } from "../../src/data/duckdb.js";
import { draft, tables, tempDir } from "./fixtures.js";

async function errorOf(p: Promise<unknown>): Promise<CuratorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CuratorError);
    return e as CuratorError;
  }
  throw new Error("expected a CuratorError");
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const file = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(file, "utf8"));
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
}

describe("trace datasets", () => {
  it("writes and reads back a dataset with its manifest, row counts and hash", async () => {
    const out = join(tempDir(), "ds");
    const manifest = await writeDataset(out, draft(), tables([0, 1]));
    expect(readdirSync(out).sort()).toEqual([".curator-output.json", "decisions", "manifest.json", "tasks"]);
    expect(readdirSync(join(out, "decisions"))).toEqual(["part-00000.parquet"]);
    expect(manifest.rows).toEqual({ decisions: 12, tasks: 15 });
    expect(manifest.files["decisions/part-00000.parquet"].sha256).toMatch(/^[0-9a-f]{64}$/);
    const ds = await readDataset(out);
    expect(ds.manifests).toEqual([manifest]);
    expect(ds.decisions.stream_id).toBeInstanceOf(Int32Array);
    expect(ds.decisions.stream_id.length).toBe(12);
    expect(ds.tasks.executor.length).toBe(15);
    expect(ds.hash).toBe(datasetHash([{ path: "", bytes: readFileSync(join(out, "manifest.json")) }]));
  });

  it("writes byte-identical datasets from identical input", async () => {
    const root = tempDir();
    await writeDataset(join(root, "a"), draft(), tables([0, 1]));
    await writeDataset(join(root, "b"), draft(), tables([0, 1]));
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet", "manifest.json"]) {
      expect(readFileSync(join(root, "a", f)).equals(readFileSync(join(root, "b", f)))).toBe(true);
    }
    expect((await readDataset(join(root, "a"))).hash).toBe((await readDataset(join(root, "b"))).hash);
  });

  it("refuses another featurizer or dataset schema version, naming both versions", async () => {
    const out = join(tempDir(), "ds");
    await writeDataset(out, draft(), tables([0]));
    editManifest(out, (m) => (m.featurizerVersion = "obs-v0"));
    let e = await errorOf(readDataset(out));
    expect(e.code).toBe("VERSION_MISMATCH");
    expect(e.message).toContain("obs-v0");
    expect(e.message).toContain(FEATURIZER_VERSION);
    expect(e.message).toContain(join(out, "manifest.json"));
    editManifest(out, (m) => ((m.featurizerVersion = FEATURIZER_VERSION), (m.datasetSchemaVersion = 99)));
    e = await errorOf(readDataset(out));
    expect(e.code).toBe("VERSION_MISMATCH");
    expect(e.message).toMatch(new RegExp(`99.*${DATASET_SCHEMA_VERSION}`));
  });

  it("names the file and field of an invalid manifest", async () => {
    const out = join(tempDir(), "ds");
    await writeDataset(out, draft(), tables([0]));
    editManifest(out, (m) => (m.labels = "maybe"));
    const e = await errorOf(readDataset(out));
    expect(e.code).toBe("INVALID_FILE");
    expect(e.message).toContain(join(out, "manifest.json"));
    expect(e.message).toContain("labels");
    writeFileSync(join(out, "manifest.json"), "{ truncated");
    expect((await errorOf(readDataset(out))).message).toContain("not valid JSON");
  });

  it("detects a modified or truncated table through its sha256", async () => {
    const out = join(tempDir(), "ds");
    await writeDataset(out, draft(), tables([0]));
    const file = join(out, "decisions/part-00000.parquet");
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[100] ^= 0x10;
    writeFileSync(file, flipped);
    let e = await errorOf(readDataset(out));
    expect(e.code).toBe("INVALID_FILE");
    expect(e.message).toContain(file);
    expect(e.message).toContain("sha256");
    writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    e = await errorOf(readDataset(out));
    expect(e.message).toContain("modified or truncated");
  });

  it("concatenates shard folders found recursively and hashes their manifests in path order", async () => {
    const root = tempDir();
    await writeDataset(join(root, "run", "shard-0-of-2"), draft({ index: 0, count: 2 }), tables([0, 2], 10, 1));
    await writeDataset(
      join(root, "run", "nested", "shard-1-of-2"),
      draft({ index: 1, count: 2 }),
      tables([1, 3], 6, 2),
    );
    mkdirSync(join(root, "run", ".shard-9.tmp-dead"));
    const ds = await readDataset(join(root, "run"));
    expect(ds.manifests.map((m) => m.shard.index)).toEqual([0, 1]);
    expect(ds.decisions.stream_id.length).toBe(16);
    expect(new Set(ds.decisions.stream_id as Int32Array)).toEqual(new Set([0, 1, 2, 3]));
    expect(ds.tasks.executor.length).toBe(13 + 9);
    expect(Array.isArray(ds.decisions.item_id)).toBe(true);
    const m = (p: string) => ({ path: p, bytes: readFileSync(join(root, "run", p, "manifest.json")) });
    expect(ds.hash).toBe(datasetHash([m("shard-0-of-2"), m("nested/shard-1-of-2")]));
    expect(ds.hash).not.toBe((await readDataset(join(root, "run", "shard-0-of-2"))).hash);
    const rows = await queryParquet(
      `SELECT count(*) AS n, count(DISTINCT stream_id) AS s FROM read_parquet(${sqlString(join(root, "run/**/decisions/*.parquet"))})`,
    );
    expect(rows).toEqual([{ n: 16, s: 4 }]);
  });

  it("refuses shards whose stream ids collide or whose options differ", async () => {
    const root = tempDir();
    await writeDataset(join(root, "a", "s0"), draft({ index: 0, count: 2 }), tables([0, 1]));
    await writeDataset(join(root, "a", "s1"), draft({ index: 1, count: 2 }), tables([1, 2]));
    let e = await errorOf(readDataset(join(root, "a")));
    expect(e.message).toContain("stream_id 1");
    expect(e.message).toContain(join(root, "a", "s0"));
    expect(e.message).toContain(join(root, "a", "s1"));
    await writeDataset(join(root, "b", "s0"), draft({ index: 0, count: 2 }), tables([0]));
    await writeDataset(join(root, "b", "s1"), draft({ index: 1, count: 2 }, { labels: "none" }), tables([1]));
    e = await errorOf(readDataset(join(root, "b")));
    expect(e.message).toContain("labels");
  });

  it("says how to create a dataset when the folder is missing or empty", async () => {
    const root = tempDir();
    let e = await errorOf(readDataset(join(root, "nope")));
    expect(e.code).toBe("FILE_NOT_FOUND");
    expect(e.message).toContain(join(root, "nope"));
    expect(e.message).toContain("curator collect");
    e = await errorOf(readDataset(root));
    expect(e.code).toBe("FILE_NOT_FOUND");
    expect(e.message).toContain("manifest.json");
  });

  it("leaves nothing behind when writing fails", async () => {
    const root = tempDir();
    const bad = tables([0]);
    bad.decisions.columns.step = Array.from(bad.decisions.columns.step, (v, i) => (i === 3 ? "three" : v));
    const e = await errorOf(writeDataset(join(root, "ds"), draft(), bad));
    expect(e.message).toContain("'step'");
    expect(existsSync(join(root, "ds"))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
