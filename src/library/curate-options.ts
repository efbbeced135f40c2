/**
 * What `curator decide` takes from the command line: the schema its flags derive from (src/cli/flags.ts).
 * The programmatic `CurateOptions` accept the same fields, plus parsed objects and callbacks a CLI cannot pass.
 */
import { z } from "zod";

export const DecideFlagsSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .describe(
        "curator: a .onnx file from 'curator export', a model folder, or heuristic, random, none (see 'curator eval --help' for the full list)",
      ),
    library: z
      .string()
      .min(1)
      .describe(
        "library JSONL (see 'curator schema item') or a folder holding library.jsonl (e.g. a decide output); governance.json beside it is applied",
      ),
    executorStats: z
      .string()
      .optional()
      .describe("JSON file with your executor's context budget and recent task outcomes (docs/harness.md)"),
    executor: z
      .string()
      .optional()
      .describe(
        "fallback when --executor-stats is not given (a guess, with a warning): a preset (weak, mid, strong, …) or a profile JSON file",
      ),
    changesOnly: z.boolean().default(false).describe("review only the items that change (always so after writing)"),
    dryRun: z.boolean().default(false).describe("print the review (item, action, probability, why) and write nothing"),
    out: z
      .string()
      .min(1)
      .optional()
      .describe(
        "decide output folder (library.jsonl, archive.jsonl, audit.jsonl): absent or empty, or an earlier output, which this pass continues (its live items must all be in --library; its governance applies)",
      ),
    seed: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("sample actions with this seed instead of argmax (random always samples, seed 0 by default)"),
    now: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("current task index (default: the largest task index in the items' stats)"),
    structuralRules: z
      .boolean()
      .default(true)
      .describe(
        "apply the structural rules: called skills are never retired, exact duplicates retire to one copy, placeholder text and no-op skills are rewritten or retired (--no-structural-rules: the curator alone)",
      ),
  })
  .strict();
export type DecideFlags = z.output<typeof DecideFlagsSchema>;
