/** Shared test support for the exporter: onnxruntime runs, the Debian ONNX checker, and capturing tfjs artifacts. */
import { execFileSync } from "node:child_process";
import * as ort from "onnxruntime-node";
import type { SavedModelFiles } from "../../src/train/model.js";
import { tf } from "../../src/train/tf.js";

const CHECKER = [
  "import onnx, sys",
  "m = onnx.load(sys.argv[1])",
  "onnx.checker.check_model(m, full_check=True)",
  "onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)",
  "print('ok', onnx.__version__)",
].join("\n");

/** Runs Debian's onnx checker + strict shape inference (python3-onnx at /usr/bin/python3); throws on failure. */
export function runDebianChecker(path: string): string {
  try {
    return execFileSync("/usr/bin/python3", ["-c", CHECKER, path], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `ONNX checker failed on ${path} (run 'bash scripts/install-system-deps.sh' if onnx is missing):\n${err.stderr ?? err.message}`,
    );
  }
}

/** Runs a model with named float32 inputs given as [data, dims]; returns the named output's data. */
export async function runOrt(
  model: Uint8Array | string,
  inputs: Record<string, [Float32Array, number[]]>,
  output: string,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model as Uint8Array);
  try {
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([k, [d, dims]]) => [k, new ort.Tensor("float32", d, dims)]),
    );
    return (await session.run(feeds))[output].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The artifacts saveModel would write, captured in memory. */
export async function captureArtifacts(model: tf.LayersModel): Promise<SavedModelFiles> {
  let files: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      files = {
        modelTopology: a.modelTopology,
        weightSpecs: a.weightSpecs ?? [],
        weightData: a.weightData as ArrayBuffer,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  return files!;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Number.isNaN(d) ? Infinity : Math.max(max, d);
  }
  return max;
}
