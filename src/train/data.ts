/**
 * Training data from a trace dataset: features, masks, behaviour data, rewards and (when collected with
 * --labels oracle) counterfactual action values; the train/validation split by stream; normalisation stats.
 */
import { FEATURE_NAMES, NUM_FEATURES } from "../features/featurizer.js";
import { ACTIONS, NUM_ACTIONS } from "../actions.js";
import { featureColumn } from "../schemas/dataset.js";
import { reward, type RewardConfig } from "../reward.js";
import { hash01 } from "../util/rng.js";
import type { Normalization } from "./model.js";
import type { Columns } from "../data/parquet.js";
import { CuratorError } from "../errors.js";
import { itemKeys, nextRowFromKeys, nextRowIndex } from "./algorithms/next-row.js";
import { passGroupsFromColumns, type PassGroups } from "./groups.js";

export interface TrainData {
  rows: number;
  features: Float32Array; // rows × F
  masks: Float32Array; // rows × 4
  action: Int32Array;
  behaviorProbs: Float32Array; // rows × 4
  /** Per-decision reward of the logged action: the item's own outcome lift over the horizon minus λ × its cost. */
  itemReward: Float32Array;
  /** rows × 4 counterfactual rewards (NaN where masked), or undefined without oracle labels. */
  cfReward?: Float32Array;
  streamId: Int32Array;
  executors: string[];
  /** Per row, the same item's row at the stream's next pass, or −1 (terminal); for TD learning (iql, cql). */
  nextRow?: Int32Array;
  /** Streamed windows: each row's pass and interned item id, from which a window's nextRow is rebuilt. */
  pass?: Int32Array;
  itemKey?: Int32Array;
  /** pass-level groups joined to the decision rows (collect --labels rollout --rollout-groups G), when the dataset has them */
  groups?: PassGroups;
}

const num = (c: Columns, name: string) => c[name] as ArrayLike<number>;

/**
 * `labels`: whether the rows carry counterfactual labels (default: the first row has cf_success_keep). Without
 * an executor column (streamed row groups leave strings out), `executors` is empty.
 */
export function trainDataFromColumns(
  d: Columns,
  rewardCfg: RewardConfig,
  opts: { labels?: boolean; intern?: Map<string, number> } = {},
): TrainData {
  const rows = (d.stream_id as Int32Array).length;
  const features = new Float32Array(rows * NUM_FEATURES);
  FEATURE_NAMES.forEach((name, f) => {
    const col = num(d, featureColumn(name));
    for (let r = 0; r < rows; r++) features[r * NUM_FEATURES + f] = col[r];
  });
  const masks = new Float32Array(rows * NUM_ACTIONS);
  const behaviorProbs = new Float32Array(rows * NUM_ACTIONS);
  ACTIONS.forEach((a, k) => {
    const m = num(d, `mask_${a}`);
    const p = num(d, `behavior_p_${a}`);
    for (let r = 0; r < rows; r++) {
      masks[r * NUM_ACTIONS + k] = m[r] ? 1 : 0;
      behaviorProbs[r * NUM_ACTIONS + k] = p[r];
    }
  });
  const hits = num(d, "item_hits");
  const succ = num(d, "item_successes");
  const tokenCost = num(d, "item_token_cost");
  const actionCost = num(d, "action_cost");
  const execRate = num(d, "exec_success_rate");
  const itemReward = new Float32Array(rows);
  for (let r = 0; r < rows; r++)
    itemReward[r] = reward(succ[r] - hits[r] * execRate[r], tokenCost[r] + actionCost[r], rewardCfg);

  let cfReward: Float32Array | undefined;
  // Rollout labels under a budget label some rows only: labels exist when any row has one.
  const first = num(d, "cf_success_keep");
  // A rollout budget labels some rows only: any labelled row makes the table labelled.
  if (opts.labels ?? Array.prototype.some.call(first, (v: number) => !Number.isNaN(v))) {
    cfReward = new Float32Array(rows * NUM_ACTIONS);
    ACTIONS.forEach((a, k) => {
      const s = num(d, `cf_success_${a}`);
      const c = num(d, `cf_cost_${a}`);
      for (let r = 0; r < rows; r++)
        cfReward![r * NUM_ACTIONS + k] = Number.isNaN(s[r]) ? NaN : reward(s[r], c[r], rewardCfg);
    });
  }
  return {
    rows,
    features,
    masks,
    action: Int32Array.from(num(d, "action")),
    behaviorProbs,
    itemReward,
    cfReward,
    streamId: Int32Array.from(num(d, "stream_id")),
    executors: d.executor ? [...new Set(d.executor as string[])].sort() : [],
    // A row group alone cannot link passes: streamed windows keep the keys and link rows once assembled.
    ...(opts.intern
      ? { pass: d.pass ? Int32Array.from(num(d, "pass")) : undefined, itemKey: itemKeys(d, opts.intern) }
      : { nextRow: nextRowIndex(d) }),
  };
}

/** trainDataFromColumns of a read dataset, with its pass-level groups when it holds them. */
export function trainDataFromDataset(ds: { decisions: Columns; groups?: Columns }, rewardCfg: RewardConfig): TrainData {
  const data = trainDataFromColumns(ds.decisions, rewardCfg);
  if (ds.groups && (ds.groups.stream_id as ArrayLike<number>).length > 0)
    data.groups = passGroupsFromColumns(ds.decisions, ds.groups, rewardCfg);
  return data;
}

/** Whether row r has counterfactual labels (a rollout budget leaves some rows without). */
export const isLabelled = (data: Pick<TrainData, "cfReward">, r: number): boolean =>
  data.cfReward !== undefined && !Number.isNaN(data.cfReward[r * NUM_ACTIONS]);

/** Whether row r's item was acted on by pass-level group members. */
export const isGrouped = (data: Pick<TrainData, "groups">, r: number): boolean =>
  data.groups !== undefined && data.groups.start[r + 1] > data.groups.start[r];

/**
 * Refuses features that are NaN or infinite (normalisation would turn them into a model card with `mean:
 * null` and weights that compute NaN). Names each such column with the file and row of its first bad value.
 */
export function assertFiniteFeatures(d: Columns, files: readonly { path: string; rows: number }[]): void {
  const problems: string[] = [];
  for (const name of FEATURE_NAMES) {
    const column = featureColumn(name);
    const col = num(d, column);
    let bad = 0;
    let first = -1;
    for (let r = 0; r < col.length; r++)
      if (!Number.isFinite(col[r])) {
        bad++;
        if (first < 0) first = r;
      }
    if (bad === 0) continue;
    let row = first;
    let file = "?";
    for (const f of files) {
      if (row < f.rows) {
        file = f.path;
        break;
      }
      row -= f.rows;
    }
    const what = bad === col.length ? "every value is" : `${bad} of ${col.length} values are`;
    problems.push(`column '${column}' in '${file}': ${what} NaN or infinite (first at row ${row + 1}: ${col[first]})`);
  }
  if (problems.length) throw nonFiniteFeatures(problems);
}

/** The error for NaN or infinite features; each problem names a column, its file and its first bad row. */
export function nonFiniteFeatures(problems: readonly string[]): CuratorError {
  return new CuratorError(
    "INVALID_FILE",
    `The dataset has features a model cannot learn from:\n  ${problems.join("\n  ")}\n` +
      `Fix the program that wrote these values (a harness or importer logged a missing statistic as NaN?) and re-collect; every feature must be a finite number.`,
  );
}

/** Whole streams go to validation (no leakage across a stream): a stable hash of the stream id decides. */
export function splitByStream(
  data: TrainData,
  valFraction: number,
  seed: number,
): { train: Int32Array; val: Int32Array } {
  const valIds = validationStreams(new Set(data.streamId), valFraction, seed);
  const train: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < data.rows; r++) (valIds.has(data.streamId[r]) ? val : train).push(r);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

/** The stream ids held out for validation: the round(valFraction × streams) with the smallest hash (none of one stream). */
export function validationStreams(streamIds: Iterable<number>, valFraction: number, seed: number): Set<number> {
  const ids = [...new Set(streamIds)].sort((a, b) => a - b);
  const ranked = ids.map((id) => ({ id, h: hash01(id, seed, 0x5b1) })).sort((a, b) => a.h - b.h);
  const nVal = ids.length < 2 ? 0 : Math.max(1, Math.round(valFraction * ids.length));
  return new Set(ranked.slice(0, nVal).map((x) => x.id));
}

/**
 * Mean and std of each feature, exact and deterministic over rows fed in a fixed order, in two passes (sums,
 * then squared deviations from the mean), so rows can arrive a block at a time: the same bits as one pass
 * over all rows in that order. A constant feature gets std 1 and is listed in `constant`.
 */
export class NormalizationPasses {
  private readonly sum = new Float64Array(NUM_FEATURES);
  private readonly sq = new Float64Array(NUM_FEATURES);
  private n = 0;
  private mean: Float64Array | null = null;

  /** Pass 1 (every block, in order). */
  addSums(features: Float32Array, rows: ArrayLike<number>): void {
    const F = NUM_FEATURES;
    for (let i = 0; i < rows.length; i++) for (let f = 0, o = rows[i] * F; f < F; f++) this.sum[f] += features[o + f];
    this.n += rows.length;
  }

  /** Pass 2 (the same blocks, in the same order). */
  addSquares(features: Float32Array, rows: ArrayLike<number>): void {
    const F = NUM_FEATURES;
    if (!this.mean) this.mean = Float64Array.from(this.sum, (s) => s / Math.max(1, this.n));
    const mean = this.mean;
    for (let i = 0; i < rows.length; i++)
      for (let f = 0, o = rows[i] * F; f < F; f++) {
        const d = features[o + f] - mean[f];
        this.sq[f] += d * d;
      }
  }

  result(): Normalization {
    const mean = this.mean ?? Float64Array.from(this.sum, (s) => s / Math.max(1, this.n));
    const sd = Array.from(this.sq, (s) => Math.sqrt(s / Math.max(1, this.n)));
    const std = sd.map((v) => (v > 1e-6 ? Math.fround(v) : 1));
    const constant = sd.flatMap((v, f) => (v > 1e-6 ? [] : [f]));
    return { mean: Array.from(mean, (m) => Math.fround(m)), std, ...(constant.length ? { constant } : {}) };
  }
}

/** Mean and std of each feature over the given rows; a constant feature gets std 1. */
export function normalizationFrom(data: Pick<TrainData, "features">, rows: Int32Array): Normalization {
  const p = new NormalizationPasses();
  p.addSums(data.features, rows);
  p.addSquares(data.features, rows);
  return p.result();
}

/** Zero-filled TrainData of `rows` rows (with room for labels when `labels`). */
export function allocTrainData(rows: number, labels: boolean, keys = false): TrainData {
  return {
    ...(keys ? { pass: new Int32Array(rows), itemKey: new Int32Array(rows) } : {}),
    rows,
    features: new Float32Array(rows * NUM_FEATURES),
    masks: new Float32Array(rows * NUM_ACTIONS),
    action: new Int32Array(rows),
    behaviorProbs: new Float32Array(rows * NUM_ACTIONS),
    itemReward: new Float32Array(rows),
    cfReward: labels ? new Float32Array(rows * NUM_ACTIONS) : undefined,
    streamId: new Int32Array(rows),
    executors: [],
  };
}

/** Copies rows `rows` of `src` into `dst` from row `at` on. */
export function copyRows(dst: TrainData, at: number, src: TrainData, rows: ArrayLike<number>): void {
  const F = NUM_FEATURES;
  const put = (d: Float32Array | Int32Array, s: Float32Array | Int32Array, w: number) => {
    for (let i = 0, o = at * w; i < rows.length; i++)
      for (let j = rows[i] * w, end = j + w; j < end; j++) d[o++] = s[j];
  };
  put(dst.features, src.features, F);
  put(dst.masks, src.masks, NUM_ACTIONS);
  put(dst.action, src.action, 1);
  put(dst.behaviorProbs, src.behaviorProbs, NUM_ACTIONS);
  put(dst.itemReward, src.itemReward, 1);
  if (dst.cfReward && src.cfReward) put(dst.cfReward, src.cfReward, NUM_ACTIONS);
  put(dst.streamId, src.streamId, 1);
  if (dst.pass && src.pass) put(dst.pass, src.pass, 1);
  if (dst.itemKey && src.itemKey) put(dst.itemKey, src.itemKey, 1);
}

/** Links each row of an assembled window to its item's row at the next pass (see nextRowIndex). */
export function linkPasses(data: TrainData): void {
  if (data.pass && data.itemKey) data.nextRow = nextRowFromKeys(data.streamId, data.pass, data.itemKey, data.action);
}

/** Copies the given rows of a rows × width matrix into a new array. */
export function gather(src: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  // An element loop: subarray() + set() allocates a view per row, which dominates for narrow rows.
  for (let i = 0, o = 0; i < rows.length; i++)
    for (let j = rows[i] * width, end = j + width; j < end; j++) out[o++] = src[j];
  return out;
}
