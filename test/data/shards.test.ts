import { beforeAll, describe, expect, it } from "vitest";
import { cpSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { collect } from "../../src/collect/collect.js";
import { mergeShards, verifyShards } from "../../src/data/shards.js";
import { CuratorError } from "../../src/errors.js";
import { tempDir } from "./fixtures.js";

const ARGS = "--world tiny --streams 5 --tasks 12 --seed 7";
const OPTS = { world: "tiny", streams: 5, tasks: 12, seed: 7 };
const N = 3;

/** Every file under `dir`, relative path → bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile())
      out[relative(dir, join(f.parentPath, f.name))] = readFileSync(join(f.parentPath, f.name)).toString("base64");
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CuratorError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

let root: string;
let shards: string;
/** A copy of the good shard set to break. */
function copyShards(): string {
  const dir = join(tempDir(), "shards");
  cpSync(shards, dir, { recursive: true });
  return dir;
}
const editManifest = (file: string, edit: (m: Record<string, unknown>) => void) => {
  const m = JSON.parse(readFileSync(file, "utf8"));
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2) + "\n");
};

beforeAll(async () => {
  root = tempDir();
  shards = join(root, "shards");
  // One process, recorded as if typed with --out merged; moved aside so the merge can write the same path.
  const merged = join(root, "merged");
  await collect({ ...OPTS, out: merged }, { command: `curator collect ${ARGS} --out ${merged}` });
  renameSync(merged, join(root, "one"));
  // Slurm array --array=1-3: SLURM_ARRAY_TASK_MIN=1 offsets the index.
  for (let id = 1; id <= N; id++) {
    const env = { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: String(N) };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      await collect(
        { ...OPTS, shard: "auto", out: shards },
        { command: `curator collect ${ARGS} --shard auto --out ${shards} --resume` },
      );
    } finally {
      process.env = saved;
    }
  }
}, 60_000);

describe("dataset verify and merge", () => {
  it("merges --shard auto shards (Slurm array 1-3) into the bytes one process writes", async () => {
    expect(readdirSync(shards).sort()).toEqual(["shard-0-of-3", "shard-1-of-3", "shard-2-of-3"]);
    const v = await verifyShards(shards);
    expect({ count: v.count, streams: v.streams }).toEqual({ count: 3, streams: 5 });
    await mergeShards(shards, join(root, "merged"));
    expect(tree(join(root, "merged"))).toEqual(tree(join(root, "one")));
  });

  it("refuses a missing shard, naming it and the rerun", async () => {
    const dir = copyShards();
    rmSync(join(dir, "shard-1-of-3"), { recursive: true });
    const msg = await refusal(verifyShards(dir));
    expect(msg).toContain("Shard 1/3 is missing");
    expect(msg).toContain("--shard 1/3");
  });

  it("refuses a shard from another featurizer, naming the shard folder", async () => {
    const dir = copyShards();
    editManifest(join(dir, "shard-2-of-3", "manifest.json"), (m) => (m.featurizerVersion = "obs-v0"));
    const msg = await refusal(verifyShards(dir));
    expect(msg).toContain(join(dir, "shard-2-of-3"));
    expect(msg).toContain("obs-v0");
    expect(msg).toContain("Re-collect");
  });

  it("refuses a shard collected with other options, naming the field", async () => {
    const dir = copyShards();
    editManifest(join(dir, "shard-2-of-3", "manifest.json"), (m) => (m.horizon = 99));
    const msg = await refusal(verifyShards(dir));
    expect(msg).toMatch(/Shard '.*shard-2-of-3' does not belong .* differ in horizon/);
  });

  it("refuses overlapping streams, naming both shards", async () => {
    const dir = copyShards();
    // A shard collected with another count holds streams the others hold too.
    await collect(
      { ...OPTS, shard: "0/1", out: join(dir, "extra") },
      { command: `curator collect ${ARGS} --shard 0/1 --out x` },
    );
    editManifest(join(dir, "extra", "manifest.json"), (m) => (m.shard = { index: 1, count: 3 }));
    rmSync(join(dir, "shard-1-of-3"), { recursive: true });
    const msg = await refusal(verifyShards(dir));
    expect(msg).toMatch(/both hold stream \d+/);
    expect(msg).toContain(join(dir, "extra"));
  });

  it("refuses a modified file, naming it and its recorded sha256", async () => {
    const dir = copyShards();
    const file = join(dir, "shard-0-of-3", "tasks", "part-00000.parquet");
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(file, bytes);
    const msg = await refusal(mergeShards(dir, join(tempDir(), "m")));
    expect(msg).toContain(file);
    expect(msg).toContain("sha256");
  });

  it("refuses --shard auto outside an array engine, and a Kubernetes index without a count", async () => {
    const saved = { ...process.env };
    try {
      delete process.env.SLURM_ARRAY_TASK_ID;
      delete process.env.JOB_COMPLETION_INDEX;
      expect(await refusal(collect({ ...OPTS, shard: "auto", out: join(tempDir(), "x") }))).toContain(
        "SLURM_ARRAY_TASK_ID",
      );
      process.env.JOB_COMPLETION_INDEX = "2";
      expect(await refusal(collect({ ...OPTS, shard: "auto", out: join(tempDir(), "x") }))).toContain("--shard auto/N");
    } finally {
      process.env = saved;
    }
  });
});
