/** The parts both collectors (simulated and endpoint) share: manifest fields and the end (the partial folder: util/scratch.ts). */
import { removeScratch } from "../util/scratch.js";
import { DATASET_SCHEMA_VERSION } from "../schemas/dataset.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../features/featurizer.js";
import { ACTIONS } from "../actions.js";
import { TOOLKIT_VERSION } from "../version.js";
import {
  writeDataset,
  type DatasetTables,
  type ManifestDraft,
  type TableInput,
  type TableName,
} from "../data/dataset.js";
import { shardOf, type CollectHooks, type CollectSummary, type ResolvedCollectOptions } from "./options.js";

/** The manifest fields both collectors fill the same way (writeDatasetFiles puts all fields in schema order). */
export function manifestBase(o: ResolvedCollectOptions, hooks: CollectHooks) {
  return {
    datasetSchemaVersion: DATASET_SCHEMA_VERSION,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    toolkitVersion: TOOLKIT_VERSION,
    command: hooks.command ?? "collect (programmatic)",
    behavior: { curator: o.behavior, epsilon: o.epsilon },
    seed: o.seed,
    shard: shardOf(o),
  };
}

/**
 * The end of both collectors: writes the dataset folder (atomically), removes `OUT.partial/` and sums up the
 * run from its task outcomes.
 */
export async function finishCollection(
  o: ResolvedCollectOptions,
  partial: string,
  manifest: ManifestDraft,
  tables: DatasetTables,
  outcome: { streams: number; successes: number; cost: number },
  resumed: Pick<CollectSummary, "resumedStreams" | "resumedTasks">,
  rolloutTasks?: number,
): Promise<CollectSummary> {
  await writeDataset(o.out, manifest, tables);
  removeScratch(partial);
  const { successes, cost } = outcome;
  const nTasks = tables.tasks.rows;
  return {
    out: o.out,
    streams: outcome.streams,
    decisions: tables.decisions.rows,
    tasks: nTasks,
    successRate: nTasks ? successes / nTasks : 0,
    costPerCompletedTask: successes ? cost / successes : Infinity,
    ...resumed,
    ...(rolloutTasks !== undefined ? { rolloutTasks } : {}),
  };
}
