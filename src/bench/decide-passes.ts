/**
 * decide.passes (issue 15): a 200k-item folder re-decided 20 times, its audit log past 1 GB, still verifies.
 * Pass 1 writes the folder from a bench library (library.ts); every later pass decides the folder's own live
 * library (--library DIR --out DIR). Each pass is a new evidence window (--now 10000 + pass: the harness's task
 * index moving on), so every live item carries new evidence and gets a decision and an audit line; a pass with
 * no new evidence would write only its `pass` line. Retired items (within the 10%-per-window change cap) leave
 * the live library, so later passes decide fewer items. Then `audit verify` replays the whole log. Each pass and
 * the verify run in their own child process (peak RSS is its own).
 *
 * Long: every pass verifies the whole log before appending to it, so pass k reads k × 200k lines. Opt in with
 * CURATOR_BENCH_PASSES=1 (sizes: CURATOR_BENCH_PASSES_ITEMS, default 200000; CURATOR_BENCH_PASSES_N, default
 * 20). --quick: 2,000 items, 3 passes.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { row, type BenchOptions, type BenchRow } from "./harness.js";
import { writeBenchLibrary } from "./library.js";
import { runChild, sizeLabel, type ChildResult } from "./scaling.js";
import { maxOf } from "../util/arrays.js";

const MODEL = fileURLToPath(new URL("../../models/default/curator.onnx", import.meta.url));
const GB = 1e9;

export async function benchDecidePasses(o: BenchOptions): Promise<BenchRow[]> {
  const items = o.quick ? 2_000 : Number(process.env.CURATOR_BENCH_PASSES_ITEMS ?? 200_000);
  const passes = o.quick ? 3 : Number(process.env.CURATOR_BENCH_PASSES_N ?? 20);
  const label = sizeLabel(items).toLowerCase();
  const root = mkdtempSync(join(tmpdir(), "curator-bench-passes-"));
  const model = existsSync(MODEL) ? MODEL : "heuristic";
  const load = () => loadavg()[0].toFixed(1);
  try {
    const library = join(root, "library.jsonl");
    const folder = join(root, "curated");
    o.log(`decide.passes ${label}: writing a ${items.toLocaleString("en-US")}-item library`);
    await writeBenchLibrary(library, items);
    const runs: ChildResult[] = [];
    for (let k = 1; k <= passes; k++) {
      const r = runChild(["decide", k === 1 ? library : folder, model, folder, String(10_000 + k)]);
      runs.push(r);
      const size = statSync(join(folder, "audit.jsonl")).size;
      o.log(
        `decide.passes ${label}: pass ${k}/${passes}: ${r.rows} decided, ${r.seconds.toFixed(1)} s wall, ${(r.cpuSeconds ?? 0).toFixed(1)} s CPU, ` +
          `${Math.round(r.peakRssMB)} MB peak; audit log ${(size / 1e6).toFixed(1)} MB; load ${load()}`,
      );
    }
    const logBytes = statSync(join(folder, "audit.jsonl")).size;
    o.log(`decide.passes ${label}: audit verify (load ${load()})`);
    const v = runChild(["verify", folder]);
    const total = runs.reduce((s, r) => s + r.seconds, 0);
    const what = `${items.toLocaleString("en-US")}-item library (library.ts), ${passes} passes of decide --library DIR --out DIR, each a new evidence window`;
    const plain = (name: string, value: number, unit: string, note: string, target: string | null = null) =>
      row({
        name,
        value,
        unit,
        peer: null,
        peerValue: null,
        speedup: null,
        target,
        pass: target ? value > 1 : null,
        note,
      });
    return [
      plain(
        `decide.passes.${label}.pass`,
        total / passes,
        "s",
        `mean wall seconds per pass (first ${runs[0].seconds.toFixed(0)} s, last ${runs[passes - 1].seconds.toFixed(0)} s; CPU ${runs.map((r) => (r.cpuSeconds ?? 0).toFixed(0)).join("/")} s); ${what}`,
      ),
      plain(
        `decide.passes.${label}.audit`,
        logBytes / GB,
        "GB",
        `audit.jsonl after ${passes} passes (${v.rows.toLocaleString("en-US")} lines)`,
        o.quick ? null : "value > 1",
      ),
      plain(
        `decide.passes.${label}.verify`,
        v.seconds,
        "s",
        `curator audit verify of that folder: OK, ${v.rows.toLocaleString("en-US")} lines (CPU ${(v.cpuSeconds ?? 0).toFixed(0)} s)`,
      ),
      plain(
        `memory.decide.passes.${label}.pass`,
        maxOf(runs.map((r) => r.peakRssMB)),
        "MB",
        "largest peak RSS of a pass's child process",
      ),
      plain(`memory.decide.passes.${label}.verify`, v.peakRssMB, "MB", "peak RSS of the audit verify child process"),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
