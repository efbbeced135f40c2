/** The algorithm names, a leaf module: option schemas and the CLI read them without loading tfjs. */
export const ALGO_NAMES = ["bc", "awr", "grpo", "grpo-pass", "iql", "cql"] as const;
export type AlgoName = (typeof ALGO_NAMES)[number];
