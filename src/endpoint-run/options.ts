/**
 * The options of a run over a real task stream (endpoint executors), one definition for `collect` and `eval`
 * (their CLI flags and experiment files derive from it).
 */
import { z } from "zod";
import { CuratorError } from "../errors.js";
import type { EndpointProfile } from "../executors/endpoint/profile.js";

/** Answers sampled per rollout task (the API's n): collect --rollout-samples and eval --oracle-samples. */
export function rolloutSamplesField(use: string) {
  return z.number().int().min(1).max(64).optional().describe(use);
}

/** Several answers at temperature 0 are one answer repeated: refused, naming the flag and the profiles. */
export function refuseGreedySamples(flag: string, samples: number | undefined, profiles: readonly EndpointProfile[]) {
  const greedy = profiles.filter((p) => p.endpoint.temperature === 0);
  if ((samples ?? 1) > 1 && greedy.length)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${flag} ${samples} samples several answers per rollout task, but at temperature 0 they are all the same answer (${greedy.map((p) => p.name).join(", ")}): set endpoint.temperature above 0 in the profile (e.g. 0.7), or drop ${flag}.`,
    );
}

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
