import { z } from "zod";

/** A simulated executor backbone (DESIGN.md "Executor profiles"). Field names are a user-facing contract. */
export const ExecutorProfileSchema = z
  .object({
    name: z.string().min(1).describe("how reports name this executor"),
    baseSkill: z.number().describe("success log-odds on an average task with no help"),
    contextBudget: z.number().int().positive().describe("tokens of retrieved items it can take"),
    distraction: z.number().nonnegative().describe("log-odds lost per 1,000 irrelevant tokens in context"),
    utilization: z.number().nonnegative().describe("log-odds gained from one fully actionable, relevant, correct item"),
    verification: z.number().min(0).max(1).describe("probability of noticing and ignoring a stale or wrong item"),
    authoring: z
      .object({
        rate: z.number().min(0).max(1).describe("chance to write an item after a task"),
        genericRate: z.number().min(0).max(1).describe("share of written items that are generic"),
        meanTokens: z.number().positive().describe("mean token length of written items"),
        errorRate: z.number().min(0).max(1).describe("share of written items that are wrong"),
      })
      .strict(),
  })
  .strict();
export type ExecutorProfile = z.infer<typeof ExecutorProfileSchema>;
