/**
 * Training rows streamed from a dataset's Parquet row groups, so memory holds one window of rows (at most
 * `windowRows`), never the dataset. A first pass reads only the cheap columns (stream ids, executor names,
 * whether there are labels) to fix the split; every later pass reads row groups in dataset order (or, for
 * training windows, in a seeded order) and keeps the rows of one split.
 */
import { DECISION_COLUMNS, featureColumn } from "../schemas/dataset.js";
import { FEATURE_NAMES, NUM_FEATURES } from "../features/featurizer.js";
import { checkStreamIds } from "../data/dataset.js";
import { locateRow, openTableStream, readGroup, type GroupRef, type StreamedTable } from "../data/dataset-stream.js";
import type { RewardConfig } from "../reward.js";
import { Rng } from "../util/rng.js";
import {
  allocTrainData,
  copyRows,
  linkPasses,
  nonFiniteFeatures,
  NormalizationPasses,
  trainDataFromColumns,
  validationStreams,
  type TrainData,
} from "./data.js";
import type { Normalization } from "./model.js";
import type { RowSource } from "./algorithms/types.js";

/** What training reads of a row group: every decision column but the strings, except the item id (transitions). */
const TRAIN_COLUMNS = DECISION_COLUMNS.filter((c) => c.type !== "STRING" || c.name === "item_id");
const SCAN_COLUMNS = DECISION_COLUMNS.filter((c) => ["stream_id", "executor", "cf_success_keep"].includes(c.name));

export type Split = "train" | "val";

/** How many row groups are decoded or held in a window at once (the bound the reader keeps). */
export interface StreamStats {
  groupsRead: number;
  held: number;
  peakHeld: number;
}

export interface StreamedDecisions {
  table: StreamedTable;
  labels: boolean;
  executors: string[];
  streams: number;
  valIds: Set<number>;
  rows: Record<Split, number>;
  /** Rows of each split in each row group (indexed like table.groups). */
  counts: Array<Record<Split, number>>;
  reward: RewardConfig;
  stats: StreamStats;
  /** Item ids seen so far as small integers, so rows of different row groups can be linked across passes. */
  items: Map<string, number>;
}

/** Opens the decisions of a dataset for streaming and fixes the split (the same streams splitByStream holds out). */
export async function openDecisions(
  path: string,
  valFraction: number,
  seed: number,
  reward: RewardConfig,
): Promise<StreamedDecisions> {
  const table = openTableStream(path, "decisions");
  const perFolder = table.folders.map(() => new Set<number>());
  const perGroup: Map<number, number>[] = [];
  const executors = new Set<string>();
  let labels: boolean | null = null;
  for (const ref of table.groups) {
    const c = await readGroup(table, ref, SCAN_COLUMNS);
    const ids = c.stream_id as Int32Array;
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of counts.keys()) perFolder[table.files[ref.file].folder].add(id);
    for (const e of c.executor as string[]) executors.add(e);
    if (labels === null && ids.length > 0) labels = !Number.isNaN((c.cf_success_keep as Float64Array)[0]);
    perGroup.push(counts);
  }
  if (table.folders.length > 1) checkStreamIds(table.folders, perFolder);
  const all = new Set(perFolder.flatMap((s) => [...s]));
  const valIds = validationStreams(all, valFraction, seed);
  const counts = perGroup.map((m) => {
    const c = { train: 0, val: 0 };
    for (const [id, n] of m) c[valIds.has(id) ? "val" : "train"] += n;
    return c;
  });
  const rows = { train: counts.reduce((s, c) => s + c.train, 0), val: counts.reduce((s, c) => s + c.val, 0) };
  const stats = { groupsRead: 0, held: 0, peakHeld: 0 };
  return {
    table,
    labels: labels ?? false,
    executors: [...executors].sort(),
    streams: all.size,
    valIds,
    rows,
    counts,
    reward,
    stats,
    items: new Map(),
  };
}

/** One row group as TrainData, with the indices of its rows in `split` (all rows when split is null). */
async function readBlock(
  d: StreamedDecisions,
  ref: GroupRef,
  split: Split | null,
): Promise<{ data: TrainData; rows: Int32Array }> {
  d.stats.groupsRead++;
  const data = trainDataFromColumns(await readGroup(d.table, ref, TRAIN_COLUMNS), d.reward, {
    labels: d.labels,
    intern: d.items,
  });
  const keep = (id: number) => split === null || d.valIds.has(id) === (split === "val");
  const rows: number[] = [];
  for (let r = 0; r < data.rows; r++) if (keep(data.streamId[r])) rows.push(r);
  return { data, rows: Int32Array.from(rows) };
}

function hold(s: StreamStats, n: number): void {
  s.held += n;
  s.peakHeld = Math.max(s.peakHeld, s.held);
}

/**
 * Windows of the rows of one split: row groups taken in `order`, packed while their rows of the split fit in
 * `windowRows` (at least one group each), each window one TrainData in that order. A window is released
 * when the next is asked for, so at most one window and one decoding row group are held.
 */
export async function* windows(
  d: StreamedDecisions,
  split: Split,
  order: readonly GroupRef[],
  windowRows: number,
): AsyncGenerator<TrainData> {
  const groups = order.filter((ref) => d.counts[d.table.groups.indexOf(ref)][split] > 0);
  const countOf = (ref: GroupRef) => d.counts[d.table.groups.indexOf(ref)][split];
  for (let i = 0; i < groups.length;) {
    let j = i;
    let n = 0;
    while (j < groups.length && (j === i || n + countOf(groups[j]) <= windowRows)) n += countOf(groups[j++]);
    d.stats.held = 0;
    const out = allocTrainData(n, d.labels, true);
    let at = 0;
    for (const ref of groups.slice(i, j)) {
      hold(d.stats, 1);
      const { data, rows } = await readBlock(d, ref, split);
      copyRows(out, at, data, rows);
      at += rows.length;
    }
    linkPasses(out);
    yield out;
    i = j;
  }
  d.stats.held = 0;
}

/** The rows of one split a row group at a time, in dataset order: what an algorithm's prepareStream reads. */
export function rowSource(d: StreamedDecisions, split: Split): RowSource {
  return { rows: d.rows[split], blocks: () => windows(d, split, d.table.groups, 1) };
}

/** Training row groups in a seeded order for one epoch (dataset order when everything fits one window). */
export function epochOrder(d: StreamedDecisions, seed: number, epoch: number): GroupRef[] {
  const order = [...d.table.groups];
  const rng = new Rng([seed, epoch, 0x9a]);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Feature normalisation over the training rows, exact: sums, then squared deviations, each a pass over the
 * row groups in dataset order (the bits normalizationFrom gives on the whole table). The first pass also
 * refuses NaN or infinite features anywhere in the table, naming the file and row of the first.
 */
export async function streamedNormalization(d: StreamedDecisions): Promise<Normalization> {
  const passes = new NormalizationPasses();
  const bad = FEATURE_NAMES.map(() => ({
    count: 0,
    where: null as null | { ref: GroupRef; row: number; value: number },
  }));
  for (const ref of d.table.groups) {
    const { data, rows } = await readBlock(d, ref, "train");
    for (let r = 0; r < data.rows; r++)
      for (let f = 0; f < NUM_FEATURES; f++) {
        const v = data.features[r * NUM_FEATURES + f];
        if (Number.isFinite(v)) continue;
        bad[f].count++;
        bad[f].where ??= { ref, row: r, value: v };
      }
    passes.addSums(data.features, rows);
  }
  const problems = bad.flatMap((b, f) => {
    if (!b.where) return [];
    const at = locateRow(d.table, b.where.ref, b.where.row);
    const what = b.count === d.table.rows ? "every value is" : `${b.count} of ${d.table.rows} values are`;
    return [
      `column '${featureColumn(FEATURE_NAMES[f])}' in '${at.path}': ${what} NaN or infinite (first at row ${at.row}: ${b.where.value})`,
    ];
  });
  if (problems.length) throw nonFiniteFeatures(problems);
  for (const ref of d.table.groups) {
    const { data, rows } = await readBlock(d, ref, "train");
    passes.addSquares(data.features, rows);
  }
  return passes.result();
}
