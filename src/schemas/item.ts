import { z } from "zod";

/**
 * Usage statistics a harness can log for an item. All optional in a library file: a fresh library has none.
 * Times are counted in tasks (the harness's task counter), not wall-clock time.
 */
export const ItemStatsSchema = z
  .object({
    createdAt: z.number().int().describe("task index at which the item was written"),
    lastRetrievedAt: z.number().int().nullable().describe("task index of the last retrieval, null if never"),
    timesRetrieved: z.number().int().nonnegative(),
    successes: z.number().int().nonnegative().describe("tasks that succeeded with this item in context"),
    failures: z.number().int().nonnegative().describe("tasks that failed with this item in context"),
    recentSuccesses: z.number().int().nonnegative().describe("successes among the last `recentWindow` retrievals"),
    recentFailures: z.number().int().nonnegative().describe("failures among the last `recentWindow` retrievals"),
    helpful: z.number().int().nonnegative().describe("times a reflection credited the item as helpful (ACE-style)"),
    harmful: z.number().int().nonnegative().describe("times a reflection flagged the item as wrong or out of date"),
    writtenAfterFailure: z.boolean().describe("the task after which the item was written failed"),
    rewrites: z.number().int().nonnegative(),
    compressions: z.number().int().nonnegative(),
  })
  .strict()
  .partial();
export type ItemStats = z.infer<typeof ItemStatsSchema>;

/** One line of a library JSONL file: the schema `curator decide` reads and importers write. */
export const LibraryItemSchema = z
  .object({
    id: z.string().min(1).describe("unique id of the item within the library"),
    kind: z.enum(["skill", "context"]).describe("skill = code for reuse; context = memory / advice entry"),
    content: z.string().describe("the item's text or code"),
    pinned: z.boolean().optional().describe("a pinned item is never retired"),
    tags: z.array(z.string()).optional(),
    author: z.string().optional().describe("name of the executor or agent that wrote it"),
    library: z
      .string()
      .min(1)
      .optional()
      .describe("the library the item belongs to when a file holds several (ages, usage and library features are per library); set by importers"),
    tokens: z.number().int().nonnegative().optional().describe("token length; computed from content if absent"),
    stats: ItemStatsSchema.optional(),
    similarity: z
      .object({ max: z.number().min(0).max(1), nearDuplicates: z.number().int().nonnegative() })
      .strict()
      .optional()
      .describe("similarity to the most similar other item and count of near-duplicates; computed if absent"),
    meta: z.record(z.string(), z.unknown()).optional().describe("anything else; carried through untouched"),
    pending: z
      .enum(["compress", "rewrite"])
      .optional()
      .describe("set by `curator decide --out`: the harness should compress / rewrite this item"),
  })
  .strict();
export type LibraryItem = z.infer<typeof LibraryItemSchema>;
