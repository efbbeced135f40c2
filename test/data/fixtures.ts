import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATASET_SCHEMA_VERSION, type ColumnSpec } from "../../src/schemas/dataset.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { ACTIONS } from "../../src/actions.js";
import { TABLES, type ManifestDraft, type TableInput } from "../../src/data/dataset.js";

export const tempDir = (): string => mkdtempSync(join(tmpdir(), "curator-data-"));

/** Deterministic values for every column of `specs`; stream_id cycles through `streamIds`. */
export function tableFor(specs: readonly ColumnSpec[], rows: number, streamIds: number[], seed = 1): TableInput {
  const columns: TableInput["columns"] = {};
  for (const [k, spec] of specs.entries()) {
    const v = (r: number) => ((r + 1) * 2654435761 + seed * 97 + k * 31) % 1000;
    const col: (number | string | boolean | null)[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      if (spec.name === "stream_id") col[r] = streamIds[r % streamIds.length];
      else if (spec.nullable) col[r] = r % 3 === 0 ? null : v(r) / 7;
      else if (spec.type === "STRING") col[r] = `s${v(r) % 5}-i${r}`;
      else if (spec.type === "BOOLEAN") col[r] = v(r) % 2 === 0;
      else if (spec.type === "FLOAT" || spec.type === "DOUBLE") col[r] = v(r) / 8;
      else col[r] = v(r);
    }
    columns[spec.name] = col;
  }
  return { columns, rows };
}

export function tables(streamIds: number[], rows = 12, seed = 1): Record<keyof typeof TABLES, TableInput> {
  return {
    decisions: tableFor(TABLES.decisions, rows, streamIds, seed),
    tasks: tableFor(TABLES.tasks, rows + 3, streamIds, seed),
  };
}

export function draft(shard = { index: 0, count: 1 }, over: Partial<ManifestDraft> = {}): ManifestDraft {
  return {
    datasetSchemaVersion: DATASET_SCHEMA_VERSION,
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: [...FEATURE_NAMES],
    actionNames: [...ACTIONS],
    toolkitVersion: "0.0.0-test",
    command: "curator collect --test",
    world: { preset: "tiny", families: 3 },
    executors: [{ name: "weak" }],
    behavior: { curator: "heuristic", epsilon: 0.3 },
    labels: "oracle",
    horizon: 10,
    seed: 1,
    streams: 2,
    tasksPerStream: 5,
    shard,
    streamSeeds: [11, 12],
    ...over,
  };
}
