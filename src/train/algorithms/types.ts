import type { z } from "zod";
import type { tf } from "../tf.js";
import type { TrainData } from "../data.js";

/** Per-row targets an algorithm derives once from the data, each rows × 4 (fed to the loss batch by batch). */
export type Targets = Record<string, Float32Array>;

export interface AlgoDef<S extends z.ZodType = z.ZodType> {
  /** One line, with the paper it follows. */
  summary: string;
  config: S;
  /** Needs counterfactual labels (collect --labels oracle). */
  requiresLabels: boolean;
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

/** log π(a|s) over allowed actions; masked entries are very negative but finite (their targets are zero). */
export function logPolicy(t: typeof tf, maskedLogits: tf.Tensor2D): tf.Tensor2D {
  return t.logSoftmax(maskedLogits) as tf.Tensor2D;
}

/** Cross-entropy to per-row weighted targets: −mean over rows of Σ_a target · log π(a|s). */
export function crossEntropy(t: typeof tf, maskedLogits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return t.tidy(() => t.neg(t.mean(t.sum(t.mul(target, logPolicy(t, maskedLogits)), 1))) as tf.Scalar);
}

/**
 * crossEntropy and its gradient with respect to the logits, by the chain rule autodiff applies (in its order,
 * so the same bits): d loss / d log π = −target / rows, then through the log-softmax g − π · Σ_a g.
 */
export function crossEntropyAndGrad(t: typeof tf, maskedLogits: tf.Tensor2D, target: tf.Tensor2D): LossAndGrad {
  return t.tidy(() => {
    const logp = logPolicy(t, maskedLogits);
    const loss = t.neg(t.mean(t.sum(t.mul(target, logp), 1))) as tf.Scalar;
    const g = t.mul(target, t.div(-1, maskedLogits.shape[0]));
    const grad = t.sub(g, t.mul(t.sum(g, 1, true), t.exp(logp))) as tf.Tensor2D;
    return { loss, grad };
  });
}
