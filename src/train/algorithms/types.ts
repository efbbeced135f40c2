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
