import type { CommandModule } from "yargs";
import { formatContract, readOnnxContract } from "../../export/inspect.js";
import { emit, type GlobalArgs } from "../output.js";

interface InspectArgs extends GlobalArgs {
  model: string;
}

export const inspectCommand: CommandModule<GlobalArgs, InspectArgs> = {
  command: "inspect <model>",
  describe: "print an exported curator model's contract (inputs, outputs, opset) and metadata",
  builder: (y) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "the .onnx file" })
      .example("curator inspect models/default/curator.onnx", "inputs, outputs, features and normalisation")
      .example("curator inspect models/default/curator.onnx --json", "the same contract as JSON"),
  handler: (args) => {
    const c = readOnnxContract(args.model);
    emit(args, c, formatContract(c));
  },
};
