/**
 * The named baseline curators, one registry object. A new baseline (e.g. a literature curator such as `ace`)
 * is one file exporting a `BaselineDef` and one line here; `BaselineName`, the resolver, the CLI help and the
 * experiment schema follow from this object.
 */
import type { Curator } from "./types.js";
import { heuristicCurator, noneCurator, randomCurator } from "./baselines.js";
import type { RewardConfig } from "../reward.js";
import { aceCurator } from "./literature/ace.js";
import { hermesCurator } from "./literature/hermes.js";
import { expelCurator } from "./literature/expel.js";
import { ssoCurator } from "./literature/sso.js";
import { memrlCurator } from "./literature/memrl.js";
import { mem0Curator } from "./literature/mem0.js";
import { dcCurator } from "./literature/dc.js";

export interface BaselineContext {
  /** The reward the curator optimises where it has one (the oracle). */
  reward?: RewardConfig;
}

export interface BaselineDef {
  /** One line for help texts. */
  describe: string;
  /** Reads the simulated world's hidden truth: available only where the simulator runs (eval, simulated collect). */
  needsSimulator?: boolean;
  create(ctx: BaselineContext): Curator | Promise<Curator>;
}

export const BASELINES = {
  none: { describe: "append-only: always keep", create: () => noneCurator },
  random: { describe: "uniform over the allowed actions (always sampled)", create: () => randomCurator },
  heuristic: { describe: "hand-written rules on observable statistics", create: () => heuristicCurator },
  ace: { describe: "ACE: retire harmful > helpful; de-duplicate at similarity 0.9", create: () => aceCurator },
  hermes: {
    describe: "Hermes: unused 30 tasks = stale (kept), 90 = archived (retired); pins respected",
    create: () => hermesCurator,
  },
  expel: { describe: "ExpeL: vote count 2 + helpful - harmful, retire at 0", create: () => expelCurator },
  sso: { describe: "SSO: retire a skill with no success in its recent uses", create: () => ssoCurator },
  memrl: {
    describe: "MemRL: utility = success when retrieved; retire the lowest 10% below the executor",
    create: () => memrlCurator,
  },
  mem0: { describe: "Mem0 add-only: retire when recency-decayed weight fades", create: () => mem0Curator },
  dc: { describe: "Dynamic Cheatsheet: rewrite every item each pass", create: () => dcCurator },
  oracle: {
    describe: "counterfactual best action (simulator only)",
    needsSimulator: true,
    // Loaded lazily: the oracle lives with the world, which itself uses the Curator interface.
    create: async (ctx) => (await import("../world/oracle.js")).oracleCurator(ctx.reward),
  },
} satisfies Record<string, BaselineDef>;

export type BaselineName = keyof typeof BASELINES;
export const BASELINE_NAMES = Object.keys(BASELINES) as [BaselineName, ...BaselineName[]];

export function isBaselineName(spec: string): spec is BaselineName {
  return Object.hasOwn(BASELINES, spec);
}
