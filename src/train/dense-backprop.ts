/**
 * Back-propagation by hand through a plain stack of Dense layers (the training loop's fast path, see
 * src/train/loop.ts for why): the forward pass without a tape, then the chain rule with explicit transposes.
 */
import { tf } from "./tf.js";
import type { LossAndGrad } from "./algorithms/types.js";
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "../activations.js";

type Activation = HiddenActivation | "linear";
const ACTIVATIONS: readonly string[] = [...HIDDEN_ACTIVATIONS, "linear"];

export interface DenseLayer {
  kernel: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
  activation: Activation;
}

/** The model as a plain chain of biased Dense layers, or null when it is anything else (generic step then). */
export function denseStack(model: tf.LayersModel): DenseLayer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || model.layers.length === 0) return null;
  const out: DenseLayer[] = [];
  for (const layer of model.layers) {
    const cfg = layer.getConfig() as { activation?: string; useBias?: boolean };
    const w = layer.trainableWeights;
    if (
      layer.getClassName() !== "Dense" ||
      !cfg.useBias ||
      !ACTIVATIONS.includes(cfg.activation ?? "") ||
      w.length !== 2
    )
      return null;
    const [kernel, bias] = [w[0].read() as tf.Variable<tf.Rank.R2>, w[1].read() as tf.Variable<tf.Rank.R1>];
    out.push({ kernel, bias, activation: cfg.activation as Activation });
  }
  // The chain must be exactly the model's trainable weights, in order (Adam keeps its moments by position).
  const names = model.trainableWeights.map((v) => (v.read() as tf.Variable).name);
  const chain = out.flatMap((l) => [l.kernel.name, l.bias.name]);
  return names.length === chain.length && names.every((n, i) => n === chain[i]) ? out : null;
}

function denseForward(x: tf.Tensor2D, l: DenseLayer): tf.Tensor2D {
  if (l.activation === "relu" || l.activation === "linear")
    return tf.fused.matMul({ a: x, b: l.kernel, bias: l.bias, activation: l.activation }) as tf.Tensor2D;
  const z = tf.fused.matMul({ a: x, b: l.kernel, bias: l.bias }) as tf.Tensor2D;
  return l.activation === "tanh" ? tf.tanh(z) : tf.elu(z);
}

/** d loss / d pre-activation from d loss / d output and the layer's output y (tfjs's own gradient formulas). */
function activationGrad(act: Activation, dy: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  switch (act) {
    case "linear":
      return dy;
    case "relu":
      return tf.mul(dy, tf.step(y)) as tf.Tensor2D;
    case "tanh":
      return tf.mul(dy, tf.sub(1, tf.square(y))) as tf.Tensor2D;
    case "elu":
      return tf.where(tf.greater(y, 0), dy, tf.mul(dy, tf.add(y, 1))) as tf.Tensor2D;
  }
}

/**
 * Loss and gradients of one minibatch for a Dense chain: forward without a tape, d loss / d logits from the
 * algorithm, then the chain rule by hand with non-transposed matMuls. Gradients come back in the model's weight
 * order (kernel, bias of each layer), as optimizer.minimize would pass them.
 */
export function denseGrads(
  layers: DenseLayer[],
  x: tf.Tensor2D,
  lossOfLogits: (logits: tf.Tensor2D) => LossAndGrad,
): { loss: tf.Scalar; grads: tf.Tensor[] } {
  return tf.tidy(() => {
    const h: tf.Tensor2D[] = [x];
    for (const l of layers) h.push(denseForward(h[h.length - 1], l));
    const { loss, grad } = lossOfLogits(h[layers.length]);
    // Bias gradients as 1 × rows matMuls: tf.sum over axis 0 transposes first and costs several times more.
    const ones = tf.ones([1, x.shape[0]]);
    const grads: tf.Tensor[] = [];
    let dy = grad;
    for (let i = layers.length - 1; i >= 0; i--) {
      const dz = activationGrad(layers[i].activation, dy, h[i + 1]);
      grads[2 * i] = tf.matMul(tf.transpose(h[i]), dz);
      grads[2 * i + 1] = tf.reshape(tf.matMul(ones, dz), [-1]);
      if (i > 0) dy = tf.matMul(dz, tf.transpose(layers[i].kernel));
    }
    return { loss, grads };
  });
}
