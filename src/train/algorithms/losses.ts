/** The loss maths the algorithms share (their interfaces are in types.ts). */
import type { tf } from "../tf.js";
import type { LossAndGrad } from "./types.js";

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
