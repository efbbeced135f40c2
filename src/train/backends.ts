/** The tfjs backends, a leaf module: option schemas and the CLI read them without loading tfjs (src/train/tf.ts). */
export type Backend = "wasm" | "cpu" | "node";
export const BACKENDS: readonly Backend[] = ["wasm", "cpu", "node"];
