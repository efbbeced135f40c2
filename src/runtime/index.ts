/**
 * The runtime entry: everything a harness needs to run an exported curator and nothing more (onnxruntime-node,
 * zod, gpt-tokenizer and onnx-proto; never tfjs, DuckDB, vega or hyparquet). Published as `curator-toolkit/runtime`
 * and as the standalone package `packages/runtime` (built from these same files). Named exports only.
 */
export { CuratorRuntime, DEFAULT_SESSION_OPTIONS, type RuntimeCreateOptions } from "./runtime.js";
export { decideWithCurator, type Decision, type DecideOptions, type DecideResult, type ActionProbs } from "./decide.js";
export { REASON_THRESHOLDS } from "./reasons.js";
export { OOD_THRESHOLD_STD, outOfDistribution, describeOod, type OodFeature, type Normalization } from "./ood.js";
export {
  FEATURE_NAMES,
  FEATURIZER_VERSION,
  NUM_FEATURES,
  featurize,
  featurizeInto,
  type ExecutorObservation,
  type ItemObservation,
  type LibraryObservation,
} from "../features/featurizer.js";
export {
  observeLibrary,
  OBSERVATION_DEFAULTS,
  type ExecutorStatSource,
  type LibraryObservations,
  type ObserveOptions,
} from "../features/observe.js";
export {
  EXEC_STAT_PRIOR,
  EXEC_STAT_RATES,
  executorObservation,
  foldBudgetUse,
  foldSuccess,
  readExecutorStats,
  recordExecutorTask,
} from "../features/executor-stats.js";
export {
  ExecutorStatsSchema,
  ExecutorTaskSchema,
  type ExecutorStats,
  type ExecutorTask,
} from "../schemas/executor-stats.js";
export { ItemStatsSchema, LibraryItemSchema, type ItemStats, type LibraryItem } from "../schemas/item.js";
export { ExecutorProfileSchema, type ExecutorProfile } from "../schemas/executor.js";
export { GovernanceSchema, type Governance } from "../schemas/world.js";
export { DEFAULT_GOVERNANCE } from "../governance/rules.js";
export { EXECUTOR_PRESETS, resolveExecutor } from "../executors/presets.js";
export { ACTIONS, type Action } from "../actions.js";
export { heuristicCurator, noneCurator, randomCurator } from "../curators/baselines.js";
export type { Curator, DecisionBatch } from "../curators/types.js";
export { parseLibrary, readLibraryFile, loadLibrary, type LiveItem } from "../library/io.js";
export { formatReview, escapeControl, countActions } from "../library/review.js";
export { CuratorError, isCuratorError, type ErrorCode } from "../errors.js";
export { TOOLKIT_VERSION } from "../version.js";
