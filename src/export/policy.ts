/**
 * The ONNX contract policy (DESIGN.md "Model contract"): IR version, opset, tensor names and the batch dimension.
 * IR 8 / opset 17 are the newest that Debian's onnx 1.12 checker and onnxruntime-node both accept.
 */
export const IR_VERSION = 8;
export const TARGET_OPSET = 17;
/** Bump when inputs, outputs or the meaning of a metadata key change; readers refuse other versions. */
export const CONTRACT_VERSION = 1;

export const FEATURES_INPUT = "features";
export const MASK_INPUT = "action_mask";
export const PROBS_OUTPUT = "probs";
/** The symbolic batch dimension of every input and output. */
export const BATCH_DIM = "N";
export const PRODUCER_NAME = "curator-toolkit";
