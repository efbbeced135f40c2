/**
 * Reads a saved tfjs layers model (model.json topology + weights.bin) into plain layer specs with their
 * float32 weights, and runs them through the converter registry.
 */
import type { SavedModelFiles } from "../train/model.js";
import { CuratorError } from "../errors.js";
import type { GraphBuilder } from "./graph.js";
import type { ConverterRegistry } from "./registry.js";
import type { FlowTensor, LayerSpec, WeightTensor } from "./converters/types.js";

export type { LayerSpec, WeightTensor } from "./converters/types.js";

interface TopologyLayer {
  class_name?: unknown;
  config?: { name?: unknown } & Record<string, unknown>;
}

function invalid(where: string, why: string): CuratorError {
  return new CuratorError(
    "INVALID_FILE",
    `${where}: ${why}. Export expects a tfjs Sequential layers model as written by 'curator train'; retrain or re-save the model.`,
  );
}

/** Splits a saved model into layer specs, in order. `where` names the model folder in errors. */
export function readLayerSpecs(files: SavedModelFiles, where: string): LayerSpec[] {
  const topo = files.modelTopology as { class_name?: unknown; config?: { layers?: unknown } } | undefined;
  if (topo?.class_name !== "Sequential" || !Array.isArray(topo.config?.layers)) {
    throw invalid(
      `${where}/model.json`,
      `modelTopology is '${String(topo?.class_name)}', not a Sequential model with layers`,
    );
  }
  const weights = new Map<string, WeightTensor>();
  let offset = 0;
  for (const spec of files.weightSpecs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== "float32" || spec.quantization) {
      throw invalid(
        `${where}/model.json`,
        `weight '${spec.name}' is ${spec.dtype}${spec.quantization ? " (quantized)" : ""}, only float32 is supported`,
      );
    }
    if (offset + count * 4 > files.weightData.byteLength) {
      throw invalid(
        `${where}/weights.bin`,
        `file is shorter than the weights listed in model.json (stops inside '${spec.name}')`,
      );
    }
    weights.set(spec.name, {
      shape: spec.shape,
      data: new Float32Array(files.weightData.slice(offset, offset + count * 4)),
    });
    offset += count * 4;
  }
  return (topo.config.layers as TopologyLayer[]).map((layer, i) => {
    const name = layer.config?.name;
    if (typeof layer.class_name !== "string" || typeof name !== "string") {
      throw invalid(`${where}/model.json`, `layer ${i} has no class_name or config.name`);
    }
    const own: Record<string, WeightTensor> = {};
    for (const [key, w] of weights) if (key.startsWith(`${name}/`)) own[key.slice(name.length + 1)] = w;
    return { className: layer.class_name, name, config: layer.config ?? {}, weights: own };
  });
}

/** Converts `layers` in order, starting from `input`; returns the last layer's output. */
export function convertLayers(
  layers: LayerSpec[],
  input: FlowTensor,
  graph: GraphBuilder,
  registry: ConverterRegistry,
): FlowTensor {
  let current = input;
  for (const layer of layers) current = registry.get(layer.className).convert(layer, current, graph);
  return current;
}
