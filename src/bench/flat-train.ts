/**
 * train.flat: `curator train --algo bc` on 1M and 10M synthetic labelled rows, each in its own child process,
 * reporting its peak RSS (the target: < 1 GB at 10M; 1.4 GB at 1M when training held every column)
 * and rows/s (training rows × epochs over the command's wall time, reading and validation included).
 * The datasets are written a part file at a time, so the bench itself never holds more than one part.
 * 10M rows take a while (writing ~2.5 GB of Parquet, then training): opt in with CURATOR_BENCH_10M=1.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DECISION_COLUMNS, ManifestSchema, TASK_COLUMNS } from "../schemas/dataset.js";
import { MANIFEST_FILE, PART_ROWS } from "../data/dataset.js";
import { encodeTable, type ColumnInput } from "../data/parquet.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Rng } from "../util/rng.js";
import { row, type BenchOptions, type BenchRow } from "./harness.js";
import { runChild, sizeLabel, syntheticColumn, syntheticManifest } from "./scaling.js";

const EPOCHS = 1;

/** A synthetic labelled decisions dataset of `rows` rows, written one part file at a time. */
export function writeSyntheticDatasetStreaming(dir: string, rows: number, seed = 1, partRows = PART_ROWS): void {
  const rng = new Rng([seed, 0x5e7]);
  const files: Record<string, { rows: number; sha256: string }> = {};
  const put = (name: string, bytes: Uint8Array, n: number) => {
    writeFileAtomic(join(dir, name), bytes);
    files[name] = { rows: n, sha256: createHash("sha256").update(bytes).digest("hex") };
  };
  mkdirSync(join(dir, "decisions"), { recursive: true });
  mkdirSync(join(dir, "tasks"), { recursive: true });
  for (let k = 0, from = 0; from < rows; k++, from += partRows) {
    const n = Math.min(partRows, rows - from);
    const columns = Object.fromEntries(DECISION_COLUMNS.map((c) => [c.name, syntheticColumn(c, n, rng, from)]));
    put(`decisions/part-${String(k).padStart(5, "0")}.parquet`, encodeTable(DECISION_COLUMNS, columns, n), n);
  }
  const tasks = Object.fromEntries(TASK_COLUMNS.map((c) => [c.name, [] as ColumnInput]));
  put("tasks/part-00000.parquet", encodeTable(TASK_COLUMNS, tasks, 0), 0);
  const manifest = ManifestSchema.parse({
    ...syntheticManifest(rows, seed),
    rows: { decisions: rows, tasks: 0 },
    files,
  });
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
}

export async function benchFlatTrain(o: BenchOptions): Promise<BenchRow[]> {
  const sizes = o.quick ? [20_000] : process.env.CURATOR_BENCH_10M === "1" ? [1_000_000, 10_000_000] : [1_000_000];
  // --quick: a window smaller than the data, so the streamed path runs.
  const windowRows = o.quick ? 4096 : undefined;
  const root = mkdtempSync(join(tmpdir(), "curator-bench-flat-"));
  const out: BenchRow[] = [];
  try {
    for (const size of sizes) {
      const label = sizeLabel(size);
      const data = join(root, `data-${label}`);
      o.log(`train.flat ${label}: writing ${size} synthetic rows`);
      writeSyntheticDatasetStreaming(data, size, 1, o.quick ? 8192 : PART_ROWS);
      o.log(`train.flat ${label}: train bc ${EPOCHS} epoch(s) in a child process`);
      const args = [
        "train",
        data,
        join(root, `model-${label}`),
        String(EPOCHS),
        ...(windowRows ? [String(windowRows)] : []),
      ];
      const r = runChild(args);
      rmSync(data, { recursive: true, force: true });
      const rate = (r.rows * EPOCHS) / r.seconds;
      const target = size >= 10_000_000 ? "value < 1024" : null;
      out.push(
        row({
          name: `memory.train.flat@${label}`,
          value: r.peakRssMB,
          unit: "MB",
          peer: null,
          peerValue: null,
          speedup: null,
          target,
          pass: target ? r.peakRssMB < 1024 : null,
          note: `peak RSS (high-water mark) of a child running curator train --algo bc, ${EPOCHS} epoch(s), window ${windowRows ?? "default (splits over 1,048,576 rows stream in 262,144-row windows)"}, on ${size.toLocaleString("en-US")} synthetic labelled rows; single run`,
        }),
        row({
          name: `train.flat.rows@${label}`,
          value: rate,
          unit: "rows/s",
          peer: null,
          peerValue: null,
          speedup: null,
          target: null,
          note: `rows × epochs / wall seconds of the same child (${r.seconds.toFixed(0)} s wall, ${(r.cpuSeconds ?? 0).toFixed(0)} s CPU), reading, normalising, validating and saving included`,
        }),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}
