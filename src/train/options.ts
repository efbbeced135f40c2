/** What `train` takes: the options schema (the CLI flags and the experiment file's train block derive from it). */
import { z } from "zod";
import { ALGO_NAMES } from "./algorithms/names.js";
import { BACKENDS } from "./backends.js";
import { HIDDEN_ACTIVATIONS } from "../activations.js";
import { RewardConfigSchema } from "../reward.js";

export const TrainOptionsSchema = z
  .object({
    data: z.string().min(1).describe("dataset folder (or a folder of shard folders)"),
    algo: z.enum(ALGO_NAMES).describe("training algorithm"),
    out: z.string().min(1).describe("model folder to write"),
    seed: z.number().int().nonnegative().default(1).describe("training seed (same data and seed, same weights)"),
    epochs: z
      .number()
      .int()
      .positive()
      .default(40)
      .describe("passes over the training rows (early stopping may end sooner)"),
    batchSize: z.number().int().positive().default(256).describe("rows per gradient step"),
    learningRate: z.number().positive().default(2e-3).describe("Adam learning rate"),
    patience: z.number().int().positive().default(8).describe("epochs without validation improvement before stopping"),
    hidden: z.array(z.number().int().positive()).default([64, 64]).describe("hidden layer sizes"),
    activation: z.enum(HIDDEN_ACTIVATIONS).default("relu").describe("hidden-layer activation"),
    dropout: z.number().min(0).max(0.9).default(0).describe("dropout rate after each hidden layer"),
    valFraction: z.number().min(0).max(0.9).default(0.2).describe("share of streams held out for validation"),
    costWeight: RewardConfigSchema.shape.costWeight,
    config: z.record(z.string(), z.unknown()).default({}).describe("algorithm config overrides as JSON"),
    backend: z.enum(BACKENDS).default("wasm").describe("tfjs backend (node needs @tensorflow/tfjs-node installed)"),
    fitRows: z
      .number()
      .int()
      .positive()
      .default(1_048_576)
      .describe(
        "a split with at most this many rows is held whole in memory (the bytes of an in-memory run); a larger one streams from Parquet in windows of --window-rows",
      ),
    windowRows: z
      .number()
      .int()
      .positive()
      .default(262_144)
      .describe(
        "rows per window when a split streams (shuffled windows of row groups): ~350 bytes a row, so the default holds ~100 MB",
      ),
    resume: z.boolean().default(false).describe("continue an interrupted run from its checkpoint"),
  })
  .strict();
export type TrainOptions = z.input<typeof TrainOptionsSchema>;
