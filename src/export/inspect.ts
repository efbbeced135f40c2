/**
 * Reads an ONNX file's contract: inputs/outputs with shapes and types, opset, IR version and the parsed
 * curator metadata. Shared by `curator inspect` and the runtime, which refuses models that fail here.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { ACTIONS, NUM_ACTIONS } from "../actions.js";
import { CuratorError } from "../errors.js";
import { METADATA_KEYS, parseMetadata, type CuratorMetadata } from "./metadata.js";
import { FEATURES_INPUT, MASK_INPUT, PROBS_OUTPUT } from "./policy.js";
import { int64ToNumber, onnx, type ModelProto, type ValueInfoProto } from "./proto.js";
import { pushAll } from "../util/arrays.js";

export interface TensorContract {
  name: string;
  /** "float32", "int64", … (ONNX element type, lower case; "float" is reported as "float32"). */
  type: string;
  /** Static sizes as numbers, symbolic ones (the batch "N") as strings, unknown as null. */
  shape: (number | string | null)[];
}

export interface OnnxContract {
  path: string;
  sha256: string;
  irVersion: number;
  /** The default-domain ("ai.onnx") opset. */
  opset: number;
  producer: { name: string; version: string };
  inputs: TensorContract[];
  outputs: TensorContract[];
  metadata: CuratorMetadata;
  /** metadata_props exactly as stored, including keys this toolkit does not know. */
  rawMetadata: Record<string, string>;
}

const ELEM_TYPES: Record<number, string> = {
  1: "float32",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
};

function tensorContract(v: ValueInfoProto): TensorContract {
  const t = v.type?.tensorType;
  const elem = t?.elemType ?? 0;
  return {
    name: v.name ?? "",
    type: ELEM_TYPES[elem] ?? (onnx.TensorProto.DataType[elem] ?? "unknown").toLowerCase(),
    shape: (t?.shape?.dim ?? []).map((d) =>
      d.dimParam ? d.dimParam : d.dimValue != null ? int64ToNumber(d.dimValue) : null,
    ),
  };
}

function decode(bytes: Uint8Array, path: string): ModelProto {
  const notOnnx = (why: string) =>
    new CuratorError(
      "INVALID_FILE",
      `'${path}' is not an ONNX model (${why}). Pass the .onnx file written by 'curator export'.`,
    );
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw notOnnx(`protobuf decoding failed: ${(e as Error).message}`);
  }
  if (!model.graph || int64ToNumber(model.irVersion) <= 0 || !model.opsetImport?.length) {
    throw notOnnx("no graph, IR version or opset import");
  }
  return model;
}

function checkShape(c: OnnxContract, want: TensorContract, all: TensorContract[], role: string): void {
  const got = all.find((t) => t.name === want.name);
  const fmt = (t: TensorContract) => `${t.type} [${t.shape.map((d) => d ?? "?").join(", ")}]`;
  const ok = got && got.type === want.type && got.shape.length === 2 && got.shape[1] === want.shape[1];
  if (!ok) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${c.path}' breaks the curator contract: ${role} '${want.name}' should be ${fmt(want)}, found ${got ? fmt(got) : "no such " + role}. Re-export it with 'curator export'.`,
    );
  }
}

/** Parses and validates a curator ONNX file. Throws a CuratorError naming the file on any contract breach. */
export function readOnnxContract(path: string): OnnxContract {
  if (!existsSync(path))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `No ONNX model at '${path}'. Export one with 'curator export --model DIR --out ${path}'.`,
    );
  const bytes = readFileSync(path);
  const model = decode(bytes, path);
  const rawMetadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) rawMetadata[p.key] = p.value ?? "";
  const metadata = parseMetadata(rawMetadata, path);
  const initializers = new Set((model.graph!.initializer ?? []).map((t) => t.name));
  const contract: OnnxContract = {
    path,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    irVersion: int64ToNumber(model.irVersion),
    opset: int64ToNumber(model.opsetImport!.find((o) => !o.domain || o.domain === "ai.onnx")?.version),
    producer: { name: model.producerName ?? "", version: model.producerVersion ?? "" },
    // Graph inputs that are also initializers are weights with defaults (IR < 4 style), not user inputs.
    inputs: (model.graph!.input ?? []).filter((v) => !initializers.has(v.name)).map(tensorContract),
    outputs: (model.graph!.output ?? []).map(tensorContract),
    metadata,
    rawMetadata,
  };
  if (JSON.stringify(metadata.actionNames) !== JSON.stringify(ACTIONS)) {
    throw new CuratorError(
      "INVALID_FILE",
      `'${path}' metadata action_names is ${JSON.stringify(metadata.actionNames)}; the contract order is ${JSON.stringify(ACTIONS)}. Re-export it with 'curator export'.`,
    );
  }
  const f = metadata.featureNames.length;
  checkShape(contract, { name: FEATURES_INPUT, type: "float32", shape: ["N", f] }, contract.inputs, "input");
  checkShape(contract, { name: MASK_INPUT, type: "float32", shape: ["N", NUM_ACTIONS] }, contract.inputs, "input");
  checkShape(contract, { name: PROBS_OUTPUT, type: "float32", shape: ["N", NUM_ACTIONS] }, contract.outputs, "output");
  return contract;
}

/** The human-readable summary printed by `curator inspect`. */
export function formatContract(c: OnnxContract): string {
  const tensor = (t: TensorContract) => `  ${t.name.padEnd(14)} ${t.type} [${t.shape.map((d) => d ?? "?").join(", ")}]`;
  const m = c.metadata;
  const lines = [
    `${c.path}`,
    `  sha256 ${c.sha256}`,
    `  IR version ${c.irVersion}, opset ${c.opset}, produced by ${c.producer.name} ${c.producer.version}`,
    "inputs:",
    ...c.inputs.map(tensor),
    "outputs:",
    ...c.outputs.map(tensor),
    "model:",
    `  algorithm ${m.algorithm}, seed ${m.seed}, toolkit ${m.toolkitVersion}${m.gitCommit ? ` (${m.gitCommit.slice(0, 12)})` : ""}`,
    `  featurizer ${m.featurizerVersion}, dataset ${m.datasetHash}`,
    ...(m.architecture
      ? [
          `  architecture hidden [${m.architecture.hidden.join(", ")}], ${m.architecture.activation}, dropout ${m.architecture.dropout}`,
        ]
      : []),
    ...(m.executors ? [`  trained on executors: ${m.executors.join(", ") || "(none recorded)"}`] : []),
    `  actions: ${m.actionNames.join(", ")}`,
    `features (${m.featureNames.length}):`,
    ...m.featureNames.map((n, i) => `  ${String(i).padStart(3)} ${n}`),
  ];
  const known = new Set<string>(METADATA_KEYS);
  const unknown = Object.keys(c.rawMetadata).filter((k) => !known.has(k));
  if (unknown.length) pushAll(lines, ["other metadata:", ...unknown.map((k) => `  ${k}: ${c.rawMetadata[k]}`)]);
  return lines.join("\n");
}

/**
 * The training normalisation stored in an exported graph (the `norm_mean` / `norm_std` initializers the
 * exporter writes), or null when the file holds no such pair (e.g. a model from another exporter).
 */
export function readGraphNormalization(path: string): { mean: number[]; std: number[] } | null {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(readFileSync(path));
  } catch {
    return null;
  }
  const read = (name: string): number[] | null => {
    const t = model.graph?.initializer?.find((i) => i.name === name);
    if (!t) return null;
    if (t.floatData && t.floatData.length > 0) return Array.from(t.floatData);
    const raw = t.rawData;
    if (!raw || raw.byteLength % 4 !== 0) return null;
    const copy = new Uint8Array(raw);
    return Array.from(new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4));
  };
  const mean = read("norm_mean");
  const std = read("norm_std");
  return mean && std && mean.length === std.length ? { mean, std } : null;
}
