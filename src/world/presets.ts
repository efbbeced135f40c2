import { WorldConfigSchema, type WorldConfig } from "../schemas/world.js";
import { CuratorError } from "../errors.js";
import { readJsonFile, parseWith } from "../util/json-file.js";
import { fixedWorldSource, isWorldSampleSpec, sampledWorldSource, type WorldSource } from "./sampler.js";

/** Built-in worlds. How `default` compares with real libraries (and where it does not match): datasets/real-calibration/README.md. */
export const WORLD_PRESETS: Record<string, Partial<WorldConfig>> = {
  default: {},
  "fast-drift": { name: "fast-drift", driftRate: 0.05, popularityShiftRate: 0.04 },
  shared: { name: "shared", sharedLibrary: true },
  tiny: { name: "tiny", families: 6, initialActiveFamilies: 3, initialItems: 6 },
};

export function resolveWorld(spec: string | Record<string, unknown> = "default"): WorldConfig {
  if (typeof spec !== "string") return parseWith(WorldConfigSchema, spec, "World config");
  if (spec in WORLD_PRESETS) return WorldConfigSchema.parse(WORLD_PRESETS[spec]);
  if (spec.endsWith(".json") || spec.includes("/")) return readJsonFile(spec, WorldConfigSchema, "World");
  if (isWorldSampleSpec(spec))
    throw new CuratorError(
      "BAD_ARGUMENT",
      `World '${spec}' draws one world per stream; only collect (and an experiment's training runs) take it. Evaluate on a preset or a world file.`,
    );
  throw new CuratorError(
    "UNKNOWN_PRESET",
    `Unknown world '${spec}'. Use one of ${Object.keys(WORLD_PRESETS).join(", ")}, a path to a JSON world file (see 'curator schema world'), or sample[:holdout][@seed=N] (collect only; docs/domain-randomization.md).`,
  );
}

/** A world spec as collect reads it: a fixed world (preset, file, inline) or a per-stream sampler. */
export function resolveWorldSource(
  spec: string | Record<string, unknown> = "default",
  curationInterval?: number,
): WorldSource {
  if (isWorldSampleSpec(spec))
    return sampledWorldSource(spec, curationInterval === undefined ? {} : { curationInterval });
  const world = resolveWorld(spec);
  if (curationInterval !== undefined) world.curationInterval = curationInterval;
  return fixedWorldSource(world);
}
