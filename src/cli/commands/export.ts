import type { CommandModule } from "yargs";
import { join } from "node:path";
import { z } from "zod";
import { emit, type GlobalArgs } from "../output.js";
import { flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

export const ExportFlagsSchema = z
  .object({
    model: z.string().min(1).describe("model folder written by 'curator train'"),
    out: z
      .string()
      .min(1)
      .optional()
      .describe("ONNX file to write (default: MODEL/curator.onnx); test vectors go to OUT with .vectors.json"),
  })
  .strict();

export const EXPORT_FLAGS: FlagTable<typeof ExportFlagsSchema> = { model: { demand: true }, out: {} };

export const exportCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "export",
  describe: "export a trained model folder to ONNX (the harness contract) plus a test-vector file beside it",
  builder: (y) =>
    withFlags(y, flagsFromSchema(ExportFlagsSchema, EXPORT_FLAGS))
      .example("curator export --model models/mine", "models/mine/curator.onnx plus curator.vectors.json")
      .example("curator export --model models/mine --out harness/curator.onnx", "write the ONNX file elsewhere"),
  handler: async (args) => {
    const { useBackend } = await import("../../train/tf.js");
    const { exportToOnnx } = await import("../../export/onnx.js");
    const o = optionsFromFlags(ExportFlagsSchema, EXPORT_FLAGS, args);
    await useBackend("wasm");
    const r = await exportToOnnx(o.model, o.out ?? join(o.model, "curator.onnx"));
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
