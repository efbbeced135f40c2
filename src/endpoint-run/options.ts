/**
 * The options of a run over a real task stream (endpoint executors), one definition for `collect` and `eval`
 * (their CLI flags and experiment files derive from it).
 */
import { z } from "zod";

export const TaskStreamFields = {
  tasksFrom: z
    .string()
    .optional()
    .describe(
      "endpoint executors: real tasks, dynamic-cheatsheet:PATH or jsonl:PATH (the first --tasks: collect runs them in order, eval in one seeded order per evaluation stream)",
    ),
  curationInterval: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("a curation pass every this many tasks (default: the world's; endpoint runs: 5)"),
  unsafeNoSandbox: z
    .boolean()
    .default(false)
    .describe(
      "UNSAFE: where no sandbox is available, run code tasks' model-written code in a plain child process that can read your files and reach the network (docs/sandbox.md)",
    ),
};
