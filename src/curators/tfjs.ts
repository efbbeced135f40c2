/**
 * A curator run straight from a model folder with tfjs (no export needed): for quick checks during research.
 * Harnesses should run the exported ONNX file through src/runtime instead.
 */
import { join } from "node:path";
import type { Curator } from "./types.js";
import { loadModel, predictProbs } from "../train/model.js";
import { useBackend } from "../train/tf.js";
import { ModelCardSchema } from "../schemas/card.js";
import { readJsonFile } from "../util/json-file.js";

export async function tfjsCurator(modelDir: string, name = modelDir): Promise<Curator> {
  await useBackend("wasm");
  const card = readJsonFile(join(modelDir, "card.json"), ModelCardSchema, "Model card");
  const model = await loadModel(modelDir);
  return {
    name,
    probs: (b) => predictProbs(model, card.normalization, b.features, b.masks, b.rows),
    dispose: () => {
      model.dispose();
    },
  };
}
