/**
 * `curator decide` on a 1M-item library with no precomputed similarity (issue 15: under 2 minutes, peak RSS
 * reported): the near-duplicate search, featurizing, the curator and the review all run. `--dry-run` and
 * `--out` (which also writes library, archive and audit log) are measured separately, each a single run in its
 * own process (child.ts) so its peak RSS is its own. The library comes from library.ts (items carry token
 * counts, as a harness logs them; similarity is left to decide). The curator is models/default/curator.onnx
 * when present, else the heuristic.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { row, type BenchOptions, type BenchRow } from "./harness.js";
import { writeBenchLibrary } from "./library.js";
import { runChild, sizeLabel } from "./scaling.js";

const MODEL = fileURLToPath(new URL("../../models/default/curator.onnx", import.meta.url));
const TARGET_SECONDS = 120;

/** `modes`: both (decide.1m), or only `--out` (decide.1m.out). */
export async function benchDecide(
  o: BenchOptions,
  modes: ReadonlyArray<"dry-run" | "out"> = ["dry-run", "out"],
): Promise<BenchRow[]> {
  const items = o.quick ? 5_000 : 1_000_000;
  const label = sizeLabel(items).toLowerCase();
  const root = mkdtempSync(join(tmpdir(), "curator-bench-decide-"));
  const model = existsSync(MODEL) ? MODEL : "heuristic";
  const rows: BenchRow[] = [];
  try {
    const library = join(root, "library.jsonl");
    o.log(`decide ${label}: writing a ${items.toLocaleString("en-US")}-item library`);
    await writeBenchLibrary(library, items);
    const mb = Math.round(statSync(library).size / 1e6);
    const what = `${items.toLocaleString("en-US")} items (${mb} MB JSONL, no similarity field), curator ${model === "heuristic" ? "heuristic" : "models/default/curator.onnx"}, executor mid; single run`;
    for (const mode of modes) {
      const out = mode === "dry-run" ? "-" : join(root, "curated");
      o.log(`decide ${label}: ${mode}`);
      try {
        const r = runChild(["decide", library, model, out]);
        rows.push(
          row({
            name: `decide.${label}.${mode}`,
            value: r.seconds,
            unit: "s",
            peer: null,
            peerValue: null,
            speedup: null,
            target: `value < ${TARGET_SECONDS}`,
            pass: r.seconds < TARGET_SECONDS,
            note: `curator decide --${mode === "out" ? "out DIR (writes library, archive, audit log)" : "dry-run"} incl. reading the library and the review text: ${what}; wall clock (CPU ${r.cpuSeconds?.toFixed(1)} s, of it user ${r.userSeconds?.toFixed(1)} s; load average ${r.load?.toFixed(1)} at the end)`,
          }),
          row({
            name: `memory.decide.${label}.${mode}`,
            value: r.peakRssMB,
            unit: "MB",
            peer: null,
            peerValue: null,
            speedup: null,
            target: null,
            note: `peak RSS (high-water mark) of the decide --${mode} child process`,
          }),
        );
      } catch (e) {
        // Measured what could be: say what failed instead of a number.
        o.log(
          `decide ${label} ${mode} FAILED: ${String((e as Error).message)
            .split("\n")
            .slice(-3)
            .join(" ")}`,
        );
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
