import type { GraphBuilder } from "../graph.js";
import type { LayerSpec } from "../layers.js";

/** A tensor flowing between converted layers: its ONNX name and its feature width (the batch dim is "N"). */
export interface FlowTensor {
  name: string;
  width: number;
}

/** Converts one tfjs layer kind into ONNX nodes appended to `graph`; returns the layer's output. */
export interface Converter {
  /** The tfjs className this converter handles, e.g. "Dense". */
  className: string;
  convert(layer: LayerSpec, input: FlowTensor, graph: GraphBuilder): FlowTensor;
}
