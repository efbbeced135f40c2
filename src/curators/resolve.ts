/**
 * The one curator resolver, used by every command that takes a curator (`eval --curators`, `decide --model`,
 * `collect --behavior`, replay). A spec is
 *  - a baseline name from the registry (`oracle` only where the simulator runs);
 *  - a path to an exported `.onnx` file (or any other existing file): run with onnxruntime, as a harness would;
 *  - a model folder from `curator train`: its `curator.onnx` when exported (what a harness would run),
 *    otherwise its tfjs weights (`card.json`), for quick research loops before export.
 * The ONNX runtime and tfjs are loaded only when a spec needs them.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Curator } from "./types.js";
import {
  BASELINES,
  BASELINE_NAMES,
  isBaselineName,
  type BaselineContext,
  type BaselineDef,
  type BaselineName,
} from "./registry.js";
import { CuratorError } from "../errors.js";
import { TOOLKIT_VERSION } from "../version.js";

export { BASELINES, BASELINE_NAMES, type BaselineName } from "./registry.js";

export interface ResolveContext extends BaselineContext {
  /** The simulated world runs here, so curators that read its hidden truth (`oracle`) are allowed. */
  simulator?: boolean;
}

export interface ResolvedCurator {
  curator: Curator;
  kind: "baseline" | "onnx" | "tfjs";
  /** sha256 of the ONNX file, of the tfjs model files, or of "builtin:<name>@<toolkit version>" for a baseline. */
  modelHash: string;
}

const DEFS: Record<BaselineName, BaselineDef> = BASELINES;

/** The same text wherever a spec is refused, so every command names the same choices. */
function specHelp(): string {
  const names = BASELINE_NAMES.map((n) => (DEFS[n].needsSimulator ? `${n} (simulator only)` : n));
  return (
    `Use one of ${names.join(", ")}, a path to an exported model ending in .onnx, or a model folder written by ` +
    `'curator train' (its curator.onnx when exported, else its tfjs weights).`
  );
}

export async function resolveCurator(spec: string, ctx: ResolveContext = {}): Promise<ResolvedCurator> {
  if (isBaselineName(spec)) {
    const def = DEFS[spec];
    if (def.needsSimulator && !ctx.simulator)
      throw new CuratorError(
        "UNKNOWN_PRESET",
        `Unknown curator '${spec}' here: it reads the simulated world's hidden truth, so it runs only in 'curator eval' ` +
          `and simulated 'curator collect'. ${specHelp()}`,
      );
    const modelHash = createHash("sha256").update(`builtin:${spec}@${TOOLKIT_VERSION}`).digest("hex");
    return { curator: await def.create(ctx), kind: "baseline", modelHash };
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    if (existsSync(join(spec, "curator.onnx"))) return onnx(join(spec, "curator.onnx"));
    if (existsSync(join(spec, "card.json"))) return tfjs(spec);
    throw new CuratorError(
      "UNKNOWN_PRESET",
      `Unknown curator '${spec}': the folder holds neither curator.onnx nor card.json. ${specHelp()}`,
    );
  }
  if (spec.toLowerCase().endsWith(".onnx") || existsSync(spec)) return onnx(spec);
  throw new CuratorError("UNKNOWN_PRESET", `Unknown curator '${spec}'. ${specHelp()}`);
}

async function onnx(path: string): Promise<ResolvedCurator> {
  const { onnxCurator } = await import("../runtime/runtime.js");
  const curator = await onnxCurator(path);
  return { curator, kind: "onnx", modelHash: curator.modelHash };
}

async function tfjs(dir: string): Promise<ResolvedCurator> {
  const { tfjsCurator } = await import("./tfjs.js");
  const hash = createHash("sha256");
  for (const f of ["card.json", "model.json", "weights.bin"])
    if (existsSync(join(dir, f))) hash.update(readFileSync(join(dir, f)));
  return { curator: await tfjsCurator(dir), kind: "tfjs", modelHash: hash.digest("hex") };
}
