/** tfjs activations (a Dense layer's `activation` attribute, or an Activation layer) → ONNX element-wise ops. */
import { CuratorError } from "../../errors.js";
import type { GraphBuilder } from "../graph.js";
import type { Converter, FlowTensor, LayerSpec } from "./types.js";

/** tfjs activation name → ONNX op; null = identity. tfjs's elu has a fixed alpha of 1, ONNX Elu's default. */
const ACTIVATION_OPS: Record<string, string | null> = {
  linear: null,
  relu: "Relu",
  tanh: "Tanh",
  elu: "Elu",
  sigmoid: "Sigmoid",
};

export const SUPPORTED_ACTIVATIONS = Object.keys(ACTIVATION_OPS);

/** Appends the node for `activation` (or nothing for linear); `layerName` names the file position in errors. */
export function emitActivation(
  activation: unknown,
  input: FlowTensor,
  graph: GraphBuilder,
  layerName: string,
): FlowTensor {
  const key = activation === undefined || activation === null ? "linear" : String(activation);
  if (!(key in ACTIVATION_OPS)) {
    throw new CuratorError(
      "UNSUPPORTED",
      `Layer '${layerName}' uses the activation '${key}', which the ONNX exporter does not convert. Supported activations: ${SUPPORTED_ACTIVATIONS.join(", ")}. Train with one of those.`,
    );
  }
  const op = ACTIVATION_OPS[key];
  if (op === null) return input;
  return { name: graph.node(op, [input.name], {}, `${layerName}_${key}`), width: input.width };
}

export const activationConverter: Converter = {
  className: "Activation",
  convert(layer: LayerSpec, input: FlowTensor, graph: GraphBuilder): FlowTensor {
    return emitActivation(layer.config.activation, input, graph, layer.name);
  },
};
