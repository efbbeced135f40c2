/** The converter contract, in one leaf module: layers.ts, registry.ts and every converter import it, it imports none of them. */
import type { GraphBuilder } from "../graph.js";

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** One layer of a saved tfjs model, with its float32 weights. */
export interface LayerSpec {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Keyed by the part after "<layer name>/", e.g. "kernel", "bias". */
  weights: Record<string, WeightTensor>;
}

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
