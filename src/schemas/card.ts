import { z } from "zod";
import { HIDDEN_ACTIVATIONS } from "../activations.js";

export const CARD_SCHEMA_VERSION = 1;

/** card.json in a model folder: everything needed to reproduce, export and run the model. */
export const ModelCardSchema = z
  .object({
    cardSchemaVersion: z.literal(CARD_SCHEMA_VERSION),
    toolkitVersion: z.string(),
    gitCommit: z.string(),
    algorithm: z.string(),
    seed: z.number().int(),
    config: z.record(z.string(), z.unknown()).describe("the algorithm's resolved config"),
    architecture: z
      .object({
        hidden: z.array(z.number().int().positive()),
        activation: z.enum(HIDDEN_ACTIVATIONS),
        dropout: z.number(),
      })
      .strict(),
    featurizerVersion: z.string(),
    featureNames: z.array(z.string()),
    actionNames: z.array(z.string()),
    normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).strict(),
    constantFeatures: z
      .array(z.string())
      .optional()
      .describe("features constant in the training data: their first-layer weights are zero, so they move no decision"),
    dataset: z.object({ paths: z.array(z.string()), manifestHash: z.string() }).strict(),
    executors: z.array(z.string()).describe("executor names seen in training data"),
    reward: z.record(z.string(), z.unknown()),
    training: z.record(z.string(), z.unknown()).describe("epochs run, best epoch, validation metric"),
    command: z.string(),
  })
  .strict();
export type ModelCard = z.infer<typeof ModelCardSchema>;
