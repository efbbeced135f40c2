import type { z } from "zod";
import type { tf } from "../tf.js";
import type { TrainData } from "../data.js";

/** Per-row targets an algorithm derives once from the data, each rows × 4 (fed to the loss batch by batch). */
export type Targets = Record<string, Float32Array>;

export interface AlgoDef<S extends z.ZodType = z.ZodType> {
  /** One line, with the paper it follows. */
  summary: string;
  config: S;
  /** Needs counterfactual labels (collect --labels oracle or rollout); trains on the labelled rows only. */
  requiresLabels: boolean;
  /** Needs pass-level groups (collect --labels rollout --rollout-groups G); trains on the grouped rows only. */
  requiresGroups?: boolean;
  /** Builds the per-row targets for the given rows (may fit auxiliary models, e.g. AWR's value function). */
  prepare(data: TrainData, rows: Int32Array, cfg: z.output<S>, seed: number): Promise<Targets> | Targets;
  /**
   * Optional, for training sets larger than one window (`--window-rows`): passes over `source` for whatever
   * needs every row (a mean, a fitted value network), then gives the targets of any block of rows. Must give
   * what `prepare(all rows)` gives, row for row. Without it an algorithm trains only on data that fits a window.
   */
  prepareStream?(source: RowSource, cfg: z.output<S>, seed: number): Promise<BlockTargets>;
  /** Scalar loss of a batch, given the policy's logits with masked actions already at MASK_NEG. */
  loss(maskedLogits: tf.Tensor2D, targets: Record<string, tf.Tensor2D>, cfg: z.output<S>): tf.Scalar;
  /**
   * Optional: `loss` and its gradient with respect to the logits in closed form, which training then uses
   * instead of autodiff (the tape costs more than the arithmetic at this size). Must be the same math.
   */
  lossAndGrad?(maskedLogits: tf.Tensor2D, targets: Record<string, tf.Tensor2D>, cfg: z.output<S>): LossAndGrad;
}

export interface LossAndGrad {
  loss: tf.Scalar;
  grad: tf.Tensor2D;
}

/** Rows that arrive a block at a time, in a fixed order (a streamed dataset's training or validation rows). */
export interface RowSource {
  rows: number;
  blocks(): AsyncIterable<TrainData>;
}

export interface BlockTargets {
  /** Targets for every row of a block, in its order. */
  targets(block: TrainData): Targets;
  dispose?(): void;
}

/** prepareStream of an algorithm whose targets of a row depend on that row alone. */
export function rowLocal<C>(prepare: (data: TrainData, rows: Int32Array, cfg: C, seed: number) => Targets) {
  return async (_source: RowSource, cfg: C, seed: number): Promise<BlockTargets> => ({
    targets: (block) => prepare(block, allRows(block.rows), cfg, seed),
  });
}

export function allRows(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
