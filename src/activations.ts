/**
 * The hidden-layer activations a curator model may use, in one list: the train options and the model card accept
 * these, the model builder and the dense backprop implement them, and the ONNX exporter converts each of them
 * (src/export/converters/activation.ts also converts `linear` and `sigmoid`, which tfjs uses internally).
 */
export const HIDDEN_ACTIVATIONS = ["relu", "tanh", "elu"] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];
