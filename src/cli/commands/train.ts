import type { CommandModule } from "yargs";
import { TrainOptionsSchema } from "../../train/options.js";
import { CuratorError } from "../../errors.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import { flagsFromSchema, numberList, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

function jsonObject(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `--config is not valid JSON: ${raw}. Example: --config '{"temperature":0.1}'.`,
    );
  }
}

/** Every train option is a flag; the schema gives its type, default and description. */
export const TRAIN_FLAGS: FlagTable<typeof TrainOptionsSchema> = {
  data: { demand: true },
  algo: { demand: true },
  out: { demand: true },
  seed: {},
  epochs: {},
  batchSize: {},
  learningRate: { name: "lr" },
  patience: {},
  hidden: { type: "string", parse: numberList, example: "64,64" },
  activation: {},
  dropout: {},
  valFraction: {},
  costWeight: {},
  config: { type: "string", parse: jsonObject, example: `'{"temperature":0.1}'` },
  backend: {},
  fitRows: {},
  windowRows: {},
  resume: {},
};

export const trainCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "train",
  describe: "train a curator offline from a trace dataset",
  builder: (y) =>
    withFlags(y, flagsFromSchema(TrainOptionsSchema, TRAIN_FLAGS))
      .example(
        "$0 train --data datasets/traces/main --algo bc --out models/main",
        "behaviour cloning of the oracle labels",
      )
      .example(
        "$0 train --data datasets/traces/main --algo awr --seed 2 --hidden 128,64 --out models/awr",
        "another algorithm, seed and size",
      )
      .example(
        "$0 train --data datasets/traces/main --algo grpo --config '{\"temperature\":0.1}' --out models/grpo",
        "an algorithm knob",
      ),
  handler: async (args) => {
    const options = optionsFromFlags(TrainOptionsSchema, TRAIN_FLAGS, args);
    const { train } = await import("../../train/train.js"); // tfjs is loaded only when training
    const s = await withProgressBar("train", (onProgress) => train(options, { command: commandLine(), onProgress }));
    const chosen =
      s.bestEpoch === null || s.bestMetric === null
        ? s.noValidation
        : `best ${s.bestEpoch}, ${s.metricName} ${s.bestMetric.toFixed(4)}`;
    emit(
      args,
      s,
      `Wrote ${s.out}: ${s.algorithm}, ${s.epochs} epochs (${chosen}), ${s.trainRows} train / ${s.valRows} validation rows, ${s.seconds.toFixed(1)} s.`,
    );
  },
};
