import { z } from "zod";
import { TrainOptionsSchema } from "../train/options.js";
import { CollectFieldsSchema } from "../collect/options.js";
import { BASELINE_NAMES } from "../curators/registry.js";
import { WorldConfigSchema } from "../schemas/world.js";
import { EvalOptionsSchema } from "../eval/evaluate.js";
import { isWorldSampleSpec } from "../world/sampler.js";

/** One training run of an experiment: collect a dataset, train on it, export the model to ONNX. */
export const ExperimentRunSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.+-]+$/, "use letters, digits, _ . + - only")
      .describe("names the model in reports"),
    // The collect options themselves, with their defaults (so an experiment wanting oracle labels says so).
    collect: z
      .object({
        executors: z
          .string()
          .describe("training backbones, comma-separated (presets, profile files, sample:COUNT[@seed=N])"),
        world: CollectFieldsSchema.shape.world
          .optional()
          .describe(
            "the training world, when it differs from the experiment's (e.g. sample: one world drawn per stream)",
          ),
        ...CollectFieldsSchema.pick({
          streams: true,
          tasks: true,
          behavior: true,
          epsilon: true,
          seed: true,
          labels: true,
        }).shape,
      })
      .strict(),
    train: TrainOptionsSchema.omit({ data: true, out: true, resume: true }).partial({ algo: true }),
  })
  .strict();

/** experiments/*.json: the whole pipeline — collect → train → export → eval — from one file. */
export const ExperimentSchema = z
  .object({
    name: z.string().min(1),
    claim: z.string().describe("the claim this experiment tests, one or two sentences"),
    world: z
      .union([z.string(), WorldConfigSchema.partial()])
      .default("default")
      .describe("preset, JSON file, or inline world overrides"),
    runs: z.array(ExperimentRunSchema).min(1),
    eval: z
      .object({
        executors: z.array(z.string()).min(1),
        baselines: z.array(z.enum(BASELINE_NAMES)).default(["none", "random", "heuristic", "oracle"]),
        models: z
          .array(z.string().min(1))
          .default([])
          .describe(
            "models trained elsewhere (.onnx or model folder) to compare on the same streams, e.g. models/default/curator.onnx",
          ),
        streams: z.number().int().positive().default(4),
        tasks: z.number().int().positive().default(200),
        seeds: z.array(z.number().int().nonnegative()).min(1).default([1, 2]),
        // Endpoint executors (profiles with an endpoint block) in `executors` run these real tasks.
        costWeight: z
          .number()
          .nonnegative()
          .optional()
          .describe(
            "the reward's cost weight λ for evaluation (the oracle's reward); default: the first run's train.costWeight",
          ),
        ...EvalOptionsSchema.pick({
          tasksFrom: true,
          curationInterval: true,
          library: true,
          taskOrder: true,
          oracleSamples: true,
          unsafeNoSandbox: true,
        }).shape,
      })
      .strict(),
    out: z.string().describe("results folder"),
    shipModel: z
      .object({ run: z.string(), to: z.string() })
      .strict()
      .optional()
      .describe("copy one run's model folder (with curator.onnx + vectors) to a stable place, e.g. models/default"),
  })
  .strict()
  .superRefine((e, ctx) => {
    const names = e.runs.map((r) => r.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: "custom", path: ["runs", i, "name"], message: `duplicate run name '${n}'` });
    });
    if (typeof e.world === "string" && isWorldSampleSpec(e.world))
      ctx.addIssue({
        code: "custom",
        path: ["world"],
        message: `'${e.world}' draws a world per stream, but evaluation runs on one fixed world: set a preset or file here and the sampled training world in runs[i].collect.world`,
      });
    if (e.shipModel && !names.includes(e.shipModel.run))
      ctx.addIssue({
        code: "custom",
        path: ["shipModel", "run"],
        message: `no run named '${e.shipModel.run}' (runs: ${names.join(", ")})`,
      });
  });
export type Experiment = z.output<typeof ExperimentSchema>;
