/** tfjs Dense → ONNX Gemm (y = x·kernel + bias; tfjs stores kernel as [in, out], so no transpose) + activation. */
import { CuratorError } from "../../errors.js";
import type { GraphBuilder } from "../graph.js";
import { emitActivation } from "./activation.js";
import type { Converter, FlowTensor, LayerSpec } from "./types.js";

export const denseConverter: Converter = {
  className: "Dense",
  convert(layer: LayerSpec, input: FlowTensor, graph: GraphBuilder): FlowTensor {
    const kernel = layer.weights.kernel;
    const useBias = layer.config.use_bias !== false;
    const bias = layer.weights.bias;
    const fail = (why: string) =>
      new CuratorError(
        "INVALID_FILE",
        `Dense layer '${layer.name}' in model.json/weights.bin: ${why}. Re-save the model with 'curator train'.`,
      );
    if (!kernel || kernel.shape.length !== 2) throw fail(`needs a 2-D '${layer.name}/kernel' weight`);
    const [rows, units] = kernel.shape;
    if (rows !== input.width) throw fail(`kernel expects ${rows} inputs but the previous layer gives ${input.width}`);
    if (useBias && (!bias || bias.shape.length !== 1 || bias.shape[0] !== units))
      throw fail(`needs a '${layer.name}/bias' of shape [${units}]`);
    const inputs = [input.name, graph.constant(`${layer.name}_kernel`, [rows, units], kernel.data)];
    if (useBias && bias) inputs.push(graph.constant(`${layer.name}_bias`, [units], bias.data));
    const out = graph.node("Gemm", inputs, {}, `${layer.name}_gemm`);
    return emitActivation(layer.config.activation, { name: out, width: units }, graph, layer.name);
  },
};
