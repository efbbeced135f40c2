/**
 * The public API of curator-toolkit, named exports only. The runtime part (./runtime/index.ts) loads no heavy
 * module; collect / train / export / evaluate / replay / import / decide load theirs (tfjs, DuckDB, vega,
 * hyparquet) only when called.
 */
import type { CollectHooks, CollectOptions, CollectSummary } from "./collect/collect.js";
import type { TrainOptions, TrainSummary } from "./train/train.js";
import type { ExportResult } from "./export/onnx.js";
import type { EvalOptions } from "./eval/evaluate.js";
import type { EvalResults } from "./eval/summarize.js";
import type { ReplayOptions, ReplayResults } from "./eval/replay.js";
import type { ImportFormat } from "./import/types.js";
import type { BuiltImport } from "./import/write.js";
import type { CurateOptions, CurateResult } from "./library/curate.js";
import type { OnnxContract } from "./export/inspect.js";
import type { OpeOptions, OpeResults } from "./ope/ope.js";

export {
  CuratorRuntime,
  DEFAULT_SESSION_OPTIONS,
  type RuntimeCreateOptions,
  decideWithCurator,
  type Decision,
  type DecideOptions,
  type DecideResult,
  type ActionProbs,
  REASON_THRESHOLDS,
  OOD_THRESHOLD_STD,
  outOfDistribution,
  describeOod,
  type OodFeature,
  type Normalization,
  FEATURE_NAMES,
  FEATURIZER_VERSION,
  NUM_FEATURES,
  featurize,
  featurizeInto,
  type ExecutorObservation,
  type ItemObservation,
  type LibraryObservation,
  observeLibrary,
  OBSERVATION_DEFAULTS,
  type ExecutorStatSource,
  type LibraryObservations,
  type ObserveOptions,
  EXEC_STAT_PRIOR,
  EXEC_STAT_RATES,
  executorObservation,
  foldBudgetUse,
  foldSuccess,
  readExecutorStats,
  recordExecutorTask,
  ExecutorStatsSchema,
  ExecutorTaskSchema,
  type ExecutorStats,
  type ExecutorTask,
  ItemStatsSchema,
  LibraryItemSchema,
  type ItemStats,
  type LibraryItem,
  ExecutorProfileSchema,
  type ExecutorProfile,
  GovernanceSchema,
  type Governance,
  DEFAULT_GOVERNANCE,
  EXECUTOR_PRESETS,
  resolveExecutor,
  ACTIONS,
  type Action,
  heuristicCurator,
  noneCurator,
  randomCurator,
  type Curator,
  type DecisionBatch,
  parseLibrary,
  readLibraryFile,
  loadLibrary,
  type LiveItem,
  formatReview,
  escapeControl,
  countActions,
  CuratorError,
  isCuratorError,
  type ErrorCode,
  TOOLKIT_VERSION,
} from "./runtime/index.js";
export { WorldConfigSchema, type WorldConfig } from "./schemas/world.js";
export { ModelCardSchema, type ModelCard } from "./schemas/card.js";
export { ManifestSchema, type Manifest } from "./schemas/dataset.js";
export { IMPORT_FORMATS, type ImportFormat } from "./import/types.js";
export type {
  CollectHooks,
  CollectOptions,
  CollectSummary,
  TrainOptions,
  TrainSummary,
  ExportResult,
  EvalOptions,
  EvalResults,
  ReplayOptions,
  ReplayResults,
  BuiltImport,
  CurateOptions,
  CurateResult,
  OnnxContract,
};

type Progress = (done: number, total: number, label?: string) => void;

/** Runs executors over task streams and writes a trace dataset (`curator collect`). */
export async function collect(options: CollectOptions, hooks: CollectHooks = {}): Promise<CollectSummary> {
  return (await import("./collect/collect.js")).collect(options, hooks);
}

/** Trains a curator from a trace dataset into a model folder (`curator train`). */
export async function train(
  options: TrainOptions,
  hooks: { command?: string; onProgress?: Progress } = {},
): Promise<TrainSummary> {
  return (await import("./train/train.js")).train(options, hooks);
}

/** Exports a trained model folder to ONNX with its test vectors (`curator export`). */
export async function exportOnnx(modelDir: string, outPath: string): Promise<ExportResult> {
  return (await import("./export/onnx.js")).exportToOnnx(modelDir, outPath);
}

/** Reads and checks an ONNX file's curator contract (`curator inspect`). */
export async function inspectOnnx(path: string): Promise<OnnxContract> {
  return (await import("./export/inspect.js")).readOnnxContract(path);
}

/** Evaluates curators across executors in the simulated world (`curator eval`). */
export async function evaluate(options: EvalOptions, hooks: { onProgress?: Progress } = {}): Promise<EvalResults> {
  return (await import("./eval/evaluate.js")).evaluate(options, hooks);
}

/** Off-policy estimates (IPS, SNIPS, DM, DR, FQE with bootstrap CIs) of curators on a logged dataset (`curator ope`). */
export async function offPolicyEvaluate(
  options: OpeOptions,
  hooks: { onProgress?: Progress } = {},
): Promise<OpeResults> {
  return (await import("./ope/ope.js")).offPolicyEvaluate(options, hooks);
}

/** Scores curators on imported real libraries' histories (`curator eval --replay`). */
export async function replay(options: ReplayOptions, hooks: { onProgress?: Progress } = {}): Promise<ReplayResults> {
  return (await import("./eval/replay.js")).replayEvaluate(options, hooks);
}

/** Imports a real agent library into a folder (`curator import FORMAT PATH --out DIR`). */
export async function importLibrary(format: ImportFormat, path: string, out: string): Promise<BuiltImport> {
  return (await import("./import/run.js")).importSource(format, path, out);
}

/** Curates a library file with a curator spec, optionally writing the pass to a folder (`curator decide`). */
export async function decide(options: CurateOptions): Promise<CurateResult> {
  return (await import("./library/curate.js")).curateLibrary(options);
}
