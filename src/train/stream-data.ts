/**
 * LoopData over a streamed dataset. A split of at most `fitRows` rows is read once and kept,
 * with the targets `prepare` gives: exactly what training on the whole table in memory does, the same bytes.
 * A larger split is read window by window (`windowRows` each) every epoch (training windows from row groups in a seeded order),
 * with targets from the algorithm's `prepareStream`; memory then holds one window, whatever the dataset size.
 */
import { tf } from "./tf.js";
import { CuratorError } from "../errors.js";
import { allRows, type AlgoDef, type BlockTargets } from "./algorithms/types.js";
import { arraysFor, tensorsFor, type LoopData, type SplitArrays, type ValWindow } from "./loop.js";
import { epochOrder, rowSource, windows, type Split, type StreamedDecisions } from "./stream.js";
import type { TrainData } from "./data.js";
import type { Normalization } from "./model.js";

/**
 * Streamed validation windows hold at most this many rows (one row group): evaluation runs the whole window
 * through the network at once, and its activations (64 + 64 floats per row) live in the wasm heap, which
 * never shrinks.
 */
const STREAMED_VAL_ROWS = 131_072;

async function only(it: AsyncIterable<TrainData>): Promise<TrainData> {
  let one: TrainData | null = null;
  for await (const w of it) one = w;
  return one!;
}

/** The algorithm's targets for windows of a split larger than one window, or a clear refusal. */
async function streamTargets<C>(
  d: StreamedDecisions,
  split: Split,
  algo: AlgoDef,
  name: string,
  cfg: C,
  seed: number,
  fitRows: number,
): Promise<BlockTargets> {
  if (!algo.prepareStream)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--algo ${name} needs all its ${split === "train" ? "training" : "validation"} rows in memory at once, but the dataset has ` +
        `${d.rows[split]} of them, more than --fit-rows ${fitRows}. Raise --fit-rows to at least ${d.rows[split]} ` +
        `(about 350 bytes per row), or use an algorithm that streams (its AlgoDef has prepareStream: bc, awr, grpo).`,
    );
  return algo.prepareStream(rowSource(d, split), cfg, seed);
}

export async function streamedData<C>(args: {
  d: StreamedDecisions;
  algo: AlgoDef;
  algoName: string;
  cfg: C;
  norm: Normalization;
  seed: number;
  fitRows: number;
  windowRows: number;
}): Promise<LoopData> {
  const { d, algo, cfg, norm, seed, fitRows, windowRows } = args;
  const groups = d.table.groups;
  const fits = (split: Split) => d.rows[split] <= fitRows;
  const disposers: Array<() => void> = [];

  let train: LoopData["train"];
  if (fits("train")) {
    const data = await only(windows(d, "train", groups, Infinity));
    const all = allRows(data.rows);
    const tr: SplitArrays = arraysFor(data, all, await algo.prepare(data, all, cfg, seed), norm);
    train = async function* () {
      yield tr;
    };
  } else {
    const bt = await streamTargets(d, "train", algo, args.algoName, cfg, seed, fitRows);
    if (bt.dispose) disposers.push(() => bt.dispose!());
    train = async function* (epoch) {
      for await (const w of windows(d, "train", epochOrder(d, seed, epoch), windowRows))
        yield arraysFor(w, allRows(w.rows), bt.targets(w), norm);
    };
  }

  const valWindow = (w: TrainData, targets: Record<string, Float32Array>, transient: boolean): ValWindow => ({
    t: tensorsFor(w, allRows(w.rows), targets, norm),
    rows: w.rows,
    masks: w.masks,
    cfReward: w.cfReward,
    transient,
  });
  let val: LoopData["val"] = null;
  // Validation is kept whole (today's single evaluation, its exact loss) only when training fits too.
  if (d.rows.val > 0 && fits("val") && fits("train")) {
    const data = await only(windows(d, "val", groups, Infinity));
    const va = valWindow(data, await algo.prepare(data, allRows(data.rows), cfg, seed), false);
    disposers.push(() => tf.dispose([va.t.x, va.t.mask, ...Object.values(va.t.targets)]));
    val = async function* () {
      yield va;
    };
  } else if (d.rows.val > 0) {
    const bt = await streamTargets(d, "val", algo, args.algoName, cfg, seed, fitRows);
    if (bt.dispose) disposers.push(() => bt.dispose!());
    val = async function* () {
      for await (const w of windows(d, "val", groups, Math.min(windowRows, STREAMED_VAL_ROWS)))
        yield valWindow(w, bt.targets(w), true);
    };
  }
  return { train, val, labels: d.labels, dispose: () => disposers.forEach((f) => f()) };
}
