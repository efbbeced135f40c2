/**
 * How collection and training time grow from 10k to 1M decision rows, with each job's peak memory (RSS
 * high-water mark of its own child process, see child.ts).
 *
 * Collection runs `curator collect` with as many streams (of the collect.tasks length) as give about N rows. Training runs
 * `curator train --algo bc` for 2 epochs on a synthetic labelled decisions dataset of exactly N rows (same
 * schema and Parquet files as a collected one; `bc` needs oracle labels, and collecting 1M labelled rows would
 * take far longer than the bench may). Each line is a single run (sizes ≤ 100k: median of 3).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATASET_SCHEMA_VERSION, DECISION_COLUMNS, TASK_COLUMNS, type ColumnSpec } from "../schemas/dataset.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { writeDatasetFiles, type ManifestDraft } from "../data/dataset.js";
import type { ColumnInput } from "../data/parquet.js";
import { resolveWorld } from "../world/presets.js";
import { resolveExecutors } from "../executors/presets.js";
import { TOOLKIT_VERSION } from "../version.js";
import { Rng } from "../util/rng.js";
import { median, row, type BenchOptions, type BenchRow } from "./harness.js";
import { CURATION_INTERVAL } from "./collect.js";

const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
const TRAIN_EPOCHS = 2;
const ROWS_PER_STREAM = 800;

export interface ChildResult {
  rows: number;
  seconds: number;
  peakRssMB: number;
  /** user + system CPU time of the child */
  cpuSeconds?: number;
  /** user CPU time of the child alone */
  userSeconds?: number;
  /** 1-minute load average of the machine when the child finished */
  load?: number;
}

export function runChild(args: string[]): ChildResult {
  const out = execFileSync(process.execPath, ["--max-old-space-size=16384", CHILD, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as ChildResult;
}

export function sizeLabel(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}

/** Column `spec` of rows [from, from + rows) of a synthetic decisions table. */
export function syntheticColumn(spec: ColumnSpec, rows: number, rng: Rng, from = 0): ColumnInput {
  const n = spec.name;
  if (n === "stream_id") return Int32Array.from({ length: rows }, (_, i) => Math.floor((from + i) / ROWS_PER_STREAM));
  if (n === "stream_seed")
    return Float64Array.from({ length: rows }, (_, i) => 1000 + Math.floor((from + i) / ROWS_PER_STREAM));
  if (n === "executor")
    return Array.from(
      { length: rows },
      (_, i) => ["weak", "mid", "strong"][Math.floor((from + i) / ROWS_PER_STREAM) % 3],
    );
  if (n === "item_id") return Array.from({ length: rows }, (_, i) => String((from + i) % 5000));
  if (n === "mask_keep") return new Uint8Array(rows).fill(1);
  switch (spec.type) {
    case "BOOLEAN":
      return Uint8Array.from({ length: rows }, () => (rng.next() < 0.9 ? 1 : 0));
    case "INT32":
    case "INT64":
      return Int32Array.from({ length: rows }, () => rng.int(n === "action" ? 4 : 20));
    case "FLOAT":
      return Float32Array.from({ length: rows }, () => rng.normal());
    case "DOUBLE":
      return Float64Array.from({ length: rows }, () => rng.uniform(0, n.startsWith("behavior_p_") ? 0.5 : 2));
    case "STRING":
      return Array.from({ length: rows }, () => "x");
  }
}

/** A labelled (labels = oracle) decisions dataset of exactly `rows` rows with plausible random values. */
export function writeSyntheticDataset(dir: string, rows: number, seed = 1): void {
  const rng = new Rng([seed, 0x5e7]);
  const columns = Object.fromEntries(DECISION_COLUMNS.map((c) => [c.name, syntheticColumn(c, rows, rng)]));
  const tasks = Object.fromEntries(TASK_COLUMNS.map((c) => [c.name, [] as ColumnInput]));
  mkdirSync(dir, { recursive: true });
  writeDatasetFiles(dir, syntheticManifest(rows, seed), {
    decisions: { columns, rows },
    tasks: { columns: tasks, rows: 0 },
  });
}

/** The manifest draft of a synthetic decisions dataset of `rows` rows. */
export function syntheticManifest(rows: number, seed: number): ManifestDraft {
  const streams = Math.ceil(rows / ROWS_PER_STREAM);
  return {
    datasetSchemaVersion: DATASET_SCHEMA_VERSION,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    toolkitVersion: TOOLKIT_VERSION,
    command: "npm run bench (synthetic training-scaling dataset)",
    world: resolveWorld("default") as unknown as Record<string, unknown>,
    executors: resolveExecutors("weak,mid,strong") as unknown as Record<string, unknown>[],
    behavior: { curator: "synthetic", epsilon: 0 },
    labels: "oracle",
    horizon: 2 * CURATION_INTERVAL,
    seed,
    streams,
    tasksPerStream: 200,
    shard: { index: 0, count: 1 },
    streamSeeds: Array.from({ length: streams }, (_, s) => 1000 + s),
  };
}

/**
 * Runs the scaling lines. Returns them and the largest collected dataset's folder (for the Parquet bench),
 * which the caller removes with `cleanup`.
 */
export async function benchScaling(
  o: BenchOptions,
  pilot: { tasksPerStream: number; rowsPerStream: number },
): Promise<{ rows: BenchRow[]; largest: { dir: string; rows: number }; cleanup: () => void }> {
  const sizes = o.quick ? [2_000, 5_000] : [10_000, 100_000, 1_000_000];
  const root = mkdtempSync(join(tmpdir(), "curator-bench-scale-"));
  const rows: BenchRow[] = [];
  let largest = { dir: "", rows: 0 };
  for (const size of sizes) {
    const label = sizeLabel(size);
    const runs = o.quick || size > 100_000 ? 1 : 3;
    const tasks = pilot.tasksPerStream;
    const streams = Math.max(1, Math.round(size / pilot.rowsPerStream));
    o.log(`scale ${label}: collect ${streams} streams x ${tasks} tasks, ${runs} run(s)`);
    const collected: ChildResult[] = [];
    for (let r = 0; r < runs; r++) {
      const out = join(root, `collect-${label}-${r}`);
      collected.push(runChild(["collect", out, String(streams), String(tasks)]));
      if (r < runs - 1) rmSync(out, { recursive: true, force: true });
      else largest = { dir: out, rows: collected[r].rows };
    }
    const synth = join(root, `synthetic-${label}`);
    writeSyntheticDataset(synth, size);
    o.log(`scale ${label}: train bc ${TRAIN_EPOCHS} epochs on ${size} synthetic rows, ${runs} run(s)`);
    const trained: ChildResult[] = [];
    for (let r = 0; r < runs; r++)
      trained.push(runChild(["train", synth, join(root, `model-${label}-${r}`), String(TRAIN_EPOCHS)]));
    rmSync(synth, { recursive: true, force: true });

    const n = (xs: ChildResult[], k: "rows" | "seconds" | "peakRssMB") => median(xs.map((x) => x[k]));
    const how = runs > 1 ? `median of ${runs}` : "single run";
    const cRows = Math.round(n(collected, "rows"));
    rows.push(
      row({
        name: `scale.collect@${label}`,
        value: n(collected, "seconds"),
        unit: "s",
        peer: null,
        peerValue: null,
        speedup: null,
        target: null,
        note: `curator collect: ${streams} streams × ${tasks} tasks → ${cRows.toLocaleString("en-US")} decision rows, incl. writing the dataset; ${Math.round(cRows / n(collected, "seconds")).toLocaleString("en-US")} rows/s; ${how}`,
      }),
      row({
        name: `scale.train@${label}`,
        value: n(trained, "seconds"),
        unit: "s",
        peer: null,
        peerValue: null,
        speedup: null,
        target: null,
        note: `curator train --algo bc, ${TRAIN_EPOCHS} epochs, on a synthetic labelled dataset of ${size.toLocaleString("en-US")} rows (read, train, validate, save); ${how}`,
      }),
      row({
        name: `memory.collect@${label}`,
        value: n(collected, "peakRssMB"),
        unit: "MB",
        peer: null,
        peerValue: null,
        speedup: null,
        target: null,
        note: `peak RSS (high-water mark) of the collect child process; ${how}`,
      }),
      row({
        name: `memory.train@${label}`,
        value: n(trained, "peakRssMB"),
        unit: "MB",
        peer: null,
        peerValue: null,
        speedup: null,
        target: null,
        note: `peak RSS (high-water mark) of the train child process; ${how}`,
      }),
    );
  }
  return { rows, largest, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
