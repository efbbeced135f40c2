/**
 * `collect` writes reproducible, self-describing trace datasets (issue 2): same seed ⇒ same bytes, different
 * seeds ⇒ different data, DuckDB reads them with 64-bit integers exact, shards add up to the unsharded run, and
 * --labels oracle fills the counterfactual columns.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, type CollectOptions } from "../../src/collect/collect.js";
import { streamSeed } from "../../src/seeds.js";
import { readDataset, type Dataset } from "../../src/data/dataset.js";
import { queryParquet, sqlString } from "../../src/data/duckdb.js";
import { ManifestSchema, DECISION_COLUMNS, TASK_COLUMNS } from "../../src/schemas/dataset.js";
import { FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { ACTIONS } from "../../src/actions.js";
import { runCliJson } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-collect-"));
const BASE = { world: "tiny", executors: "weak,strong", streams: 4, tasks: 100, seed: 3 } as const;
const FILES = ["decisions/part-00000.parquet", "tasks/part-00000.parquet", "manifest.json"] as const;
const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
const manifestOf = (dir: string) => ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));

const dirs = {
  a: join(root, "a"),
  b: join(root, "b"),
  other: join(root, "other-seed"),
  labelled: join(root, "labelled"),
};

async function run(out: string, extra: Partial<CollectOptions> = {}) {
  return collect({ ...BASE, out, ...extra });
}

beforeAll(async () => {
  await run(dirs.a);
  await run(dirs.b);
  await run(dirs.other, { seed: 4 });
  await run(dirs.labelled, { labels: "oracle" });
});

/** Rows of a table as plain objects, grouped by stream_id (order within a stream kept). */
function rowsByStream(d: Dataset, table: "decisions" | "tasks"): Map<number, unknown[]> {
  const cols = d[table];
  const names = (table === "decisions" ? DECISION_COLUMNS : TASK_COLUMNS).map((c) => c.name);
  const ids = cols.stream_id as Int32Array;
  const out = new Map<number, unknown[]>();
  for (let r = 0; r < ids.length; r++) {
    const row = Object.fromEntries(names.map((n) => [n, cols[n][r]]));
    out.set(ids[r], [...(out.get(ids[r]) ?? []), row]);
  }
  return out;
}

describe("reproducibility", () => {
  it("the same seed gives byte-identical Parquet files and manifest", () => {
    for (const f of FILES) expect(bytes(dirs.b, f).equals(bytes(dirs.a, f)), f).toBe(true);
  });

  it("another seed gives other streams and other data", async () => {
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(bytes(dirs.other, f).equals(bytes(dirs.a, f)), f).toBe(false);
    const [a, o] = [await readDataset(dirs.a), await readDataset(dirs.other)];
    expect(o.manifests[0].streamSeeds.some((s) => a.manifests[0].streamSeeds.includes(s))).toBe(false);
    expect(Array.from(o.tasks.family as Int32Array)).not.toEqual(Array.from(a.tasks.family as Int32Array));
  });

  it("the manifest describes the data: versions, seeds, row counts and file hashes", async () => {
    const m = manifestOf(dirs.a);
    expect(m.featurizerVersion).toBe(FEATURIZER_VERSION);
    expect(m.actionNames).toEqual([...ACTIONS]);
    expect(m.streams).toBe(4);
    expect(m.tasksPerStream).toBe(100);
    expect(m.streamSeeds).toEqual([0, 1, 2, 3].map((s) => streamSeed(3, s, "collect")));
    expect(m.rows.tasks).toBe(400);
    expect(m.rows.decisions).toBeGreaterThan(0);
    expect(m.labels).toBe("none");
    const { createHash } = await import("node:crypto");
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(m.files[f].sha256).toBe(createHash("sha256").update(bytes(dirs.a, f)).digest("hex"));
  });
});

describe("DuckDB reads a collected dataset", () => {
  const glob = (dir: string, file = "*.parquet") => sqlString(join(dir, "**", file));

  it("count(*) over read_parquet('DIR/**/*.parquet') matches the manifest", async () => {
    const m = manifestOf(dirs.a);
    const [{ n }] = await queryParquet(`SELECT count(*) AS n FROM read_parquet(${glob(dirs.a)}, union_by_name = true)`);
    expect(n).toBe(m.rows.decisions + m.rows.tasks);
    const [{ d }] = await queryParquet(
      `SELECT count(*) AS d FROM read_parquet(${glob(dirs.a, "decisions/*.parquet")})`,
    );
    expect(d).toBe(m.rows.decisions);
  });

  it("64-bit columns are BIGINT and stream_seed is exact", async () => {
    const types = await queryParquet(`DESCRIBE SELECT * FROM read_parquet(${glob(dirs.a, "tasks/*.parquet")})`);
    const typeOf = (c: string) => types.find((t) => t.column_name === c)?.column_type;
    expect(typeOf("stream_seed")).toBe("BIGINT");
    expect(typeOf("prompt_tokens")).toBe("BIGINT");
    const seeds = await queryParquet(
      `SELECT stream_id, min(stream_seed) AS lo, max(stream_seed) AS hi FROM read_parquet(${glob(dirs.a, "decisions/*.parquet")}) GROUP BY ALL ORDER BY stream_id`,
    );
    const expected = manifestOf(dirs.a).streamSeeds;
    expect(seeds).toEqual(expected.map((s, i) => ({ stream_id: i, lo: s, hi: s })));
  });

  it("aggregates and joins over decisions and tasks agree with the reader", async () => {
    const ds = await readDataset(dirs.a);
    const byExec = await queryParquet(
      `SELECT executor, count(*) AS n, sum(success::INT) AS ok FROM read_parquet(${glob(dirs.a, "tasks/*.parquet")}) GROUP BY ALL ORDER BY executor`,
    );
    const names = ds.tasks.executor as string[];
    const ok = ds.tasks.success as Uint8Array;
    for (const row of byExec) {
      const idx = names.flatMap((e, i) => (e === row.executor ? [i] : []));
      expect(row.n).toBe(idx.length);
      expect(row.ok).toBe(idx.filter((i) => ok[i]).length);
    }
    expect(byExec.map((r) => r.executor)).toEqual(["strong", "weak"]);
    // every curation pass decides on every live item: decisions per pass = library size after the task before it
    const passes = await queryParquet(
      `SELECT d.stream_id, d.step, count(*) AS decided, any_value(t.library_size) AS live
         FROM read_parquet(${glob(dirs.a, "decisions/*.parquet")}) d
         JOIN read_parquet(${glob(dirs.a, "tasks/*.parquet")}) t ON t.stream_id = d.stream_id AND t.step = d.step - 1
        GROUP BY ALL`,
    );
    expect(passes.length).toBe(4 * 9); // 100 tasks, a pass every 10 except after the last task
    for (const p of passes) expect(p.decided).toBe(p.live);
  });
});

describe("--labels oracle", () => {
  it("fills cf_* for every allowed action, with the keep value shared across a pass", async () => {
    const ds = await readDataset(dirs.labelled);
    const horizon = ds.manifests[0].horizon;
    expect(ds.manifests[0].labels).toBe("oracle");
    const d = ds.decisions;
    const rows = (d.stream_id as Int32Array).length;
    const passKeep = new Map<string, number>();
    for (let r = 0; r < rows; r++) {
      for (const a of ACTIONS) {
        const s = (d[`cf_success_${a}`] as Float64Array)[r];
        const c = (d[`cf_cost_${a}`] as Float64Array)[r];
        if ((d[`mask_${a}`] as Uint8Array)[r]) {
          expect(Number.isFinite(s) && Number.isFinite(c), `row ${r} ${a}`).toBe(true);
          expect(s).toBeGreaterThanOrEqual(0);
          // expected successes over the look-ahead (the full horizon, even where the logged stream ends sooner)
          expect(s).toBeLessThanOrEqual(horizon + 1e-9);
          expect(c).toBeGreaterThan(0);
        }
      }
      const key = `${(d.stream_id as Int32Array)[r]}:${(d.pass as Int32Array)[r]}`;
      const keep = (d.cf_success_keep as Float64Array)[r];
      if (passKeep.has(key)) expect(keep).toBe(passKeep.get(key));
      else passKeep.set(key, keep);
    }
    // the actions really differ in value somewhere
    const spread = Array.from(
      { length: rows },
      (_, r) =>
        Math.max(...ACTIONS.map((a) => (d[`cf_success_${a}`] as Float64Array)[r]).filter(Number.isFinite)) -
        Math.min(...ACTIONS.map((a) => (d[`cf_success_${a}`] as Float64Array)[r]).filter(Number.isFinite)),
    );
    expect(spread.filter((s) => s > 0.01).length).toBeGreaterThan(rows / 10);
  });

  it("without labels the cf_* columns are null, and labelling never perturbs the behaviour data", async () => {
    const nulls = await queryParquet(
      `SELECT count(*) AS n, count(cf_success_keep) AS k, count(cf_cost_retire) AS c FROM read_parquet(${sqlString(join(dirs.a, "decisions/part-00000.parquet"))})`,
    );
    expect(nulls[0]).toMatchObject({ k: 0, c: 0 });
    expect(nulls[0].n).toBeGreaterThan(0);
    const [plain, labelled] = [await readDataset(dirs.a), await readDataset(dirs.labelled)];
    for (const c of DECISION_COLUMNS.filter((c) => !c.name.startsWith("cf_")))
      expect(labelled.decisions[c.name], c.name).toEqual(plain.decisions[c.name]);
    expect(labelled.tasks).toEqual(plain.tasks);
  });
});

describe("--shard i/n", () => {
  let unsharded: string;
  let parent: string;

  beforeAll(async () => {
    parent = join(root, "sharded");
    unsharded = join(root, "cli-unsharded");
    const args = [
      "collect",
      "--world",
      BASE.world,
      "--executors",
      BASE.executors,
      "--streams",
      "4",
      "--tasks",
      "100",
      "--seed",
      "3",
    ];
    await Promise.all([
      runCliJson([...args, "--shard", "0/2", "--out", join(parent, "s0")]),
      runCliJson([...args, "--shard", "1/2", "--out", join(parent, "s1")]),
      runCliJson([...args, "--out", unsharded]),
    ]);
  });

  it("the CLI writes the same Parquet bytes as the API; the manifest differs only in the recorded command", () => {
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(bytes(unsharded, f).equals(bytes(dirs.a, f)), f).toBe(true);
    const { command, ...cli } = manifestOf(unsharded);
    const { command: _api, ...api } = manifestOf(dirs.a);
    expect(cli).toEqual(api);
    expect(command).toMatch(/^curator collect .*--out /);
  });

  it("shards split streams deterministically (s mod n = i) and together hold the unsharded streams", async () => {
    expect(manifestOf(join(parent, "s0")).streamSeeds).toEqual([0, 2].map((s) => streamSeed(3, s, "collect")));
    expect(manifestOf(join(parent, "s1")).streamSeeds).toEqual([1, 3].map((s) => streamSeed(3, s, "collect")));
    const whole = await readDataset(dirs.a);
    const joined = await readDataset(parent);
    expect(joined.folders).toEqual([join(parent, "s0"), join(parent, "s1")]);
    expect((joined.decisions.stream_id as Int32Array).length).toBe((whole.decisions.stream_id as Int32Array).length);
    expect(rowsByStream(joined, "decisions")).toEqual(rowsByStream(whole, "decisions"));
    expect(rowsByStream(joined, "tasks")).toEqual(rowsByStream(whole, "tasks"));
  });

  it("DuckDB reads the shard folders as one dataset", async () => {
    const [{ n }] = await queryParquet(
      `SELECT count(*) AS n FROM read_parquet(${sqlString(join(parent, "**", "decisions", "*.parquet"))})`,
    );
    expect(n).toBe(manifestOf(dirs.a).rows.decisions);
  });
});
