import { z } from "zod";

/** One finished task of the executor, as a harness logs it. */
export const ExecutorTaskSchema = z
  .object({
    success: z.boolean().describe("whether the task succeeded"),
    contextTokens: z
      .number()
      .nonnegative()
      .describe("tokens of library items the executor had in context for the task"),
    prompt: z
      .string()
      .optional()
      .describe(
        "the task's text: the last 8 give each item's relevance to the tasks now arriving (absent: relevance unknown)",
      ),
  })
  .strict();

/**
 * What a harness knows about its own executor (`decide --executor-stats FILE`): its context budget and its
 * recent tasks, oldest first. The running statistics are folded from them exactly as training computed them.
 */
export const ExecutorStatsSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .optional()
      .describe("executor name, matched against items' `author` (default: none matches)"),
    contextBudget: z.number().int().positive().describe("tokens of retrieved items the executor can take"),
    tasks: z.array(ExecutorTaskSchema).describe("the executor's recent tasks, oldest first (the last ~100 are enough)"),
    prior: z
      .object({
        successRate: z.number().min(0).max(1).describe("running success rate before the first listed task"),
        budgetUse: z.number().min(0).max(1).describe("running budget use before the first listed task"),
      })
      .strict()
      .optional()
      .describe("starting point of the running averages (default 0.5 / 0.5, as endpoint collection starts)"),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.tasks.length === 0 && !s.prior)
      ctx.addIssue({
        code: "custom",
        path: ["tasks"],
        message: "list at least one task (or give `prior` with the running statistics themselves)",
      });
  });
export type ExecutorTask = z.infer<typeof ExecutorTaskSchema>;
export type ExecutorStats = z.infer<typeof ExecutorStatsSchema>;
