import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Curator } from "./types.js";
import { noneCurator, randomCurator, heuristicCurator } from "./baselines.js";
import { oracleCurator } from "../world/oracle.js";
import { CuratorError } from "../errors.js";
import type { RewardConfig } from "../reward.js";

export const BASELINE_NAMES = ["none", "random", "heuristic", "oracle"] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/**
 * A baseline name, a path to an exported .onnx curator (run with onnxruntime, as a harness would), or a model
 * folder from `curator train` (run with tfjs, for quick research loops).
 */
export async function resolveCurator(spec: string, reward?: RewardConfig): Promise<Curator> {
  switch (spec) {
    case "none":
      return noneCurator;
    case "random":
      return randomCurator;
    case "heuristic":
      return heuristicCurator;
    case "oracle":
      return oracleCurator(reward);
  }
  if (existsSync(join(spec, "card.json"))) {
    const { tfjsCurator } = await import("./tfjs.js");
    return tfjsCurator(spec);
  }
  if (spec.endsWith(".onnx")) {
    const { onnxCurator } = await import("../runtime/runtime.js");
    return onnxCurator(spec);
  }
  throw new CuratorError(
    "UNKNOWN_PRESET",
    `Unknown curator '${spec}'. Use one of ${BASELINE_NAMES.join(", ")}, a path to an exported model ending in .onnx, or a model folder written by 'curator train' (run with tfjs).`,
  );
}
