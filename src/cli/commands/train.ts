import type { CommandModule } from "yargs";
import { ALGO_NAMES, type AlgoName } from "../../train/algorithms/registry.js";
import type { Backend } from "../../train/tf.js";
import { CuratorError } from "../../errors.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";

const BACKENDS: Backend[] = ["wasm", "cpu", "node"];

interface Args extends GlobalArgs {
  data: string;
  algo: string;
  out: string;
  seed: number;
  epochs: number;
  "batch-size": number;
  lr: number;
  patience: number;
  hidden: string;
  "cost-weight": number;
  config?: string;
  backend: Backend;
  resume: boolean;
}

export const trainCommand: CommandModule<GlobalArgs, Args> = {
  command: "train",
  describe: "train a curator offline from a trace dataset",
  builder: (y) =>
    y
      .option("data", { type: "string", demandOption: true, describe: "dataset folder (or folder of shards)" })
      .option("algo", { type: "string", demandOption: true, describe: `algorithm: ${ALGO_NAMES.join(", ")}` })
      .option("out", { type: "string", demandOption: true, describe: "model folder to write" })
      .option("seed", { type: "number", default: 1 })
      .option("epochs", { type: "number", default: 40 })
      .option("batch-size", { type: "number", default: 256 })
      .option("lr", { type: "number", default: 2e-3, describe: "Adam learning rate" })
      .option("patience", { type: "number", default: 8, describe: "early-stopping patience (epochs)" })
      .option("hidden", { type: "string", default: "64,64", describe: "hidden layer sizes" })
      .option("cost-weight", { type: "number", default: 10, describe: "λ in reward = successes − λ × cost (USD)" })
      .option("config", { type: "string", describe: "algorithm config overrides as JSON, e.g. '{\"temperature\":0.1}'" })
      .option("backend", { choices: BACKENDS, default: "wasm" as Backend })
      .option("resume", { type: "boolean", default: false, describe: "continue an interrupted run from its checkpoint" }),
  handler: async (args) => {
    const { train } = await import("../../train/train.js");
    if (!(ALGO_NAMES as readonly string[]).includes(args.algo))
      throw new CuratorError("BAD_ARGUMENT", `Unknown --algo '${args.algo}'. Choose one of: ${ALGO_NAMES.join(", ")}.`);
    let config: Record<string, unknown> = {};
    if (args.config) {
      try {
        config = JSON.parse(args.config);
      } catch {
        throw new CuratorError("BAD_ARGUMENT", `--config is not valid JSON: ${args.config}. Example: --config '{"temperature":0.1}'.`);
      }
    }
    const hidden = args.hidden.split(",").filter(Boolean).map(Number);
    if (hidden.some((h) => !Number.isInteger(h) || h <= 0))
      throw new CuratorError("BAD_ARGUMENT", `--hidden '${args.hidden}' must be comma-separated positive integers, e.g. 64,64.`);
    const s = await withProgressBar("train", (onProgress) =>
      train(
        {
          data: args.data, algo: args.algo as AlgoName, out: args.out, seed: args.seed, epochs: args.epochs,
          batchSize: args["batch-size"], learningRate: args.lr, patience: args.patience, hidden,
          costWeight: args["cost-weight"], config, backend: args.backend, resume: args.resume,
        },
        { command: commandLine(), onProgress },
      ),
    );
    const chosen = s.bestEpoch === null || s.bestMetric === null ? s.noValidation : `best ${s.bestEpoch}, ${s.metricName} ${s.bestMetric.toFixed(4)}`;
    emit(args, s, `Wrote ${s.out}: ${s.algorithm}, ${s.epochs} epochs (${chosen}), ${s.trainRows} train / ${s.valRows} validation rows, ${s.seconds.toFixed(1)} s.`);
  },
};
