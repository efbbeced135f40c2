/**
 * The one place tfjs is loaded. Backends: "wasm" (default, ~4.5x faster than "cpu" here), "cpu", and
 * "node" when @tensorflow/tfjs-node happens to be installed (it is never required: its install needs internet).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { CuratorError } from "../errors.js";

export { tf };
import type { Backend } from "./backends.js";

export { BACKENDS, type Backend } from "./backends.js";

export async function useBackend(backend: Backend = "wasm"): Promise<void> {
  if (backend === "node") {
    try {
      createRequire(import.meta.url)("@tensorflow/tfjs-node");
    } catch (e) {
      throw new CuratorError(
        "UNSUPPORTED",
        `--backend node needs @tensorflow/tfjs-node, which could not be loaded (${(e as Error).message.split("\n")[0]}). Use --backend wasm (the default).`,
      );
    }
    backend = "tensorflow" as Backend;
  }
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new CuratorError("UNSUPPORTED", `The tfjs backend '${backend}' failed to initialise.`);
  }
  await tf.ready();
}
