import type { CommandModule } from "yargs";
import { join } from "node:path";
import { emit, type GlobalArgs } from "../output.js";

interface ExportArgs extends GlobalArgs {
  model: string;
  out?: string;
}

export const exportCommand: CommandModule<GlobalArgs, ExportArgs> = {
  command: "export",
  describe: "export a trained model folder to ONNX (the harness contract) plus a test-vector file beside it",
  builder: (y) =>
    y
      .option("model", { type: "string", demandOption: true, describe: "model folder written by 'curator train'" })
      .option("out", { type: "string", describe: "ONNX file to write (default: MODEL/curator.onnx); test vectors go to OUT with .vectors.json" }),
  handler: async (args) => {
    const { useBackend } = await import("../../train/tf.js");
    const { exportToOnnx } = await import("../../export/onnx.js");
    await useBackend("wasm");
    const r = await exportToOnnx(args.model, args.out ?? join(args.model, "curator.onnx"));
    emit(
      args,
      r,
      [
        `Wrote ${r.path} (IR ${r.irVersion}, opset ${r.opset}, sha256 ${r.sha256})`,
        `Wrote ${r.vectorsPath} (${r.vectorRows} rows; onnxruntime matches tfjs within ${r.maxAbsDiff.toExponential(1)})`,
        `Wrote ${r.featuresPath} (featurizer test vectors: raw observations → features; see docs/features.md)`,
      ].join("\n"),
    );
  },
};
