import type { AlgoDef } from "./types.js";
import { bc } from "./bc.js";
import { awr } from "./awr.js";
import { grpo } from "./grpo.js";
import { iql } from "./iql.js";
import { cql } from "./cql.js";
import { grpoPass } from "./grpo-pass.js";

import type { AlgoName } from "./names.js";

export { ALGO_NAMES, type AlgoName } from "./names.js";

export const ALGORITHMS = { bc, awr, grpo, "grpo-pass": grpoPass, iql, cql } satisfies Record<AlgoName, AlgoDef<any>>;
