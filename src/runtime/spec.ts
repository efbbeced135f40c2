/**
 * Resolves a curator spec string as the CLI accepts it: a baseline name (`none`, `random`, `heuristic`) or a
 * path to a curator ONNX file. (`oracle` needs the simulator and is resolved by evaluation.)
 */
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { heuristicCurator, noneCurator, randomCurator } from "../curators/baselines.js";
import type { Curator } from "../curators/types.js";
import { CuratorError } from "../errors.js";
import { TOOLKIT_VERSION } from "../version.js";
import { onnxCurator } from "./runtime.js";

export const BASELINE_CURATORS = { none: noneCurator, random: randomCurator, heuristic: heuristicCurator } as const;
export type BaselineName = keyof typeof BASELINE_CURATORS;

export interface ResolvedCurator {
  curator: Curator;
  /** sha256 of the ONNX file, or of "builtin:<name>@<toolkit version>" for a baseline. */
  modelHash: string;
  /** Whether the curator's probabilities carry no preference (uniform): argmax would always keep. */
  needsSampling: boolean;
}

export async function resolveCuratorSpec(spec: string): Promise<ResolvedCurator> {
  if (spec in BASELINE_CURATORS) {
    const curator = BASELINE_CURATORS[spec as BaselineName];
    const modelHash = createHash("sha256").update(`builtin:${spec}@${TOOLKIT_VERSION}`).digest("hex");
    return { curator, modelHash, needsSampling: spec === "random" };
  }
  if (spec.toLowerCase().endsWith(".onnx") || existsSync(spec)) {
    const c = await onnxCurator(spec);
    return { curator: c, modelHash: c.modelHash, needsSampling: false };
  }
  throw new CuratorError(
    "BAD_ARGUMENT",
    `Unknown curator '${spec}'. Use ${Object.keys(BASELINE_CURATORS).join(", ")} or a path to a curator .onnx file (see 'curator export').`,
  );
}

/** A Curator from a spec: `none|random|heuristic` or an .onnx path. */
export async function curatorFromSpec(spec: string): Promise<Curator> {
  return (await resolveCuratorSpec(spec)).curator;
}
