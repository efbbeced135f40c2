/**
 * `curator decide` as a function: load a library and its governance, resolve the curator, decide every item,
 * and (unless it is a dry run) apply the pass to an output folder.
 */
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Governance } from "../schemas/world.js";
import { resolveExecutor } from "../executors/presets.js";
import { CuratorError } from "../errors.js";
import { decideWithCurator, type DecideResult } from "../runtime/decide.js";
import { resolveCuratorSpec } from "../runtime/spec.js";
import { applyPass, checkOutputFolder, type ApplySummary } from "./apply.js";
import { loadLibrary, type LiveItem } from "./io.js";
import type { SimilarityProgress } from "../text/similarity.js";

export interface CurateOptions {
  /** `none|random|heuristic` or a curator .onnx path. */
  model: string;
  /** library.jsonl path; governance.json beside it is applied when present. */
  library: string;
  /** Preset name or executor profile file. */
  executor: string | ExecutorProfile;
  /** Output folder; required unless dryRun. */
  out?: string;
  dryRun?: boolean;
  /** Sample actions with this seed instead of argmax. `random` always samples (seed 0 unless given). */
  seed?: number;
  /** Current task index; default: the largest task index in the items' stats. */
  now?: number;
  clock?: () => Date;
  /** Progress of the near-duplicate search on items without a `similarity` field. */
  onProgress?: SimilarityProgress;
}

export interface CurateResult extends DecideResult {
  items: LiveItem[];
  governance: Governance;
  /** governance.json the rules came from, or null for the default rules. */
  governanceSource: string | null;
  executor: string;
  seed: number | null;
  written: ApplySummary | null;
}

export async function curateLibrary(o: CurateOptions): Promise<CurateResult> {
  if (!o.dryRun && !o.out)
    throw new CuratorError("BAD_ARGUMENT", "Pass --out DIR to write the curated library, or --dry-run to only review the decisions.");
  if (o.out && !o.dryRun) checkOutputFolder(o.out);
  const lib = loadLibrary(o.library);
  const executor = typeof o.executor === "string" ? resolveExecutor(o.executor) : o.executor;
  const resolved = await resolveCuratorSpec(o.model);
  const seed = o.seed ?? (resolved.needsSampling ? 0 : null);
  try {
    const result = await decideWithCurator(resolved.curator, resolved.modelHash, lib.items, executor, {
      now: o.now,
      governance: lib.governance.rules,
      sample: seed === null ? undefined : { seed },
      onProgress: o.onProgress,
    });
    const written =
      o.dryRun || !o.out
        ? null
        : await applyPass(lib.items, result.decisions, {
            out: o.out,
            curator: result.curator,
            modelHash: result.modelHash,
            governanceSource: lib.governance.source,
            clock: o.clock,
          });
    return {
      ...result,
      items: lib.items,
      governance: lib.governance.rules,
      governanceSource: lib.governance.source,
      executor: executor.name,
      seed,
      written,
    };
  } finally {
    await resolved.curator.dispose?.();
  }
}
