/**
 * A small builder for ONNX graphs: unique names, float32 initializers as little-endian raw_data, nodes with
 * typed attributes, and deterministic serialisation (same calls in the same order → same bytes).
 */
import { onnx, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./proto.js";
import { BATCH_DIM, IR_VERSION, PRODUCER_NAME } from "./policy.js";

export type AttributeValue = number | string | number[] | { float: number };

/** A float32 tensor's static shape; strings are symbolic dimensions (the batch "N"). */
export type Shape = (number | string)[];

export function floatValueInfo(name: string, shape: Shape): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** A float32 [N, width] value info with the contract's batch dimension. */
export function batchedFloat(name: string, width: number): ValueInfoProto {
  return floatValueInfo(name, [BATCH_DIM, width]);
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === "object") return { name, type: T.FLOAT, f: value.float };
  if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integer values`);
  return { name, type: T.INT, i: value };
}

export interface ModelOptions {
  graphName: string;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  opset: number;
  producerVersion: string;
  metadata?: Record<string, string>;
  docString?: string;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();

  /** Reserves `base` (or `base_1`, `base_2`, … when taken) as a tensor/node name. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Marks a name as used (graph inputs) so no node or initializer can shadow it. */
  reserve(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX name '${name}' is already used`);
    this.names.add(name);
    return name;
  }

  /** Adds a float32 initializer and returns its name. `dims` [] is a scalar. */
  constant(base: string, dims: number[], values: ArrayLike<number>): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new Error(`initializer ${base}: ${values.length} values for shape [${dims}]`);
    const data = Float32Array.from(values);
    const name = this.uniqueName(base);
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      // Float32Array bytes are little-endian on every platform Node supports, as raw_data requires.
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** Adds a single-output node; returns the output name (`out` when given, else a fresh one from `base`). */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttributeValue> = {},
    base = opType.toLowerCase(),
    out?: string,
  ): string {
    const output = out !== undefined ? this.reserve(out) : this.uniqueName(base);
    this.nodes.push({
      name: `${output}_node`,
      opType,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Renames the producer of `from` so that it outputs `to` (used to give the last node a contract name). */
  renameOutput(from: string, to: string): string {
    const node = this.nodes.find((n) => n.output?.[0] === from);
    if (!node) return this.node("Identity", [from], {}, to, to);
    this.reserve(to);
    node.output = [to];
    node.name = `${to}_node`;
    return to;
  }

  toBytes(opts: ModelOptions): Uint8Array {
    const metadata = Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value }));
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: "", version: opts.opset }],
      producerName: PRODUCER_NAME,
      producerVersion: opts.producerVersion,
      modelVersion: 1,
      docString: opts.docString ?? "",
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: opts.inputs,
        output: opts.outputs,
      },
      metadataProps: metadata,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
