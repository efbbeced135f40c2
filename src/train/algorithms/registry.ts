import type { AlgoDef } from "./types.js";
import { bc } from "./bc.js";
import { awr } from "./awr.js";
import { grpo } from "./grpo.js";

export const ALGO_NAMES = ["bc", "awr", "grpo"] as const;
export type AlgoName = (typeof ALGO_NAMES)[number];

export const ALGORITHMS = { bc, awr, grpo } satisfies Record<AlgoName, AlgoDef<any>>;
