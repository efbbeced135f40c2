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

/**
 * Deepest nesting `meta` may have, `meta` itself counting 1. Writing a value nested thousands of levels
 * deep overflows the stack (JSON.stringify recurses), so such an item is refused when read.
 */
export const MAX_META_DEPTH = 64;

/** Nesting depth of a JSON value (a scalar 0, an object or array 1 more than its deepest member), without recursion; stops once past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return deepest;
}

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
      .describe(
        "the library the item belongs to when a file holds several (ages, usage and library features are per library); set by importers",
      ),
    tokens: z.number().int().nonnegative().optional().describe("token length; computed from content if absent"),
    stats: ItemStatsSchema.optional(),
    similarity: z
      .object({ max: z.number().min(0).max(1), nearDuplicates: z.number().int().nonnegative() })
      .strict()
      .optional()
      .describe("similarity to the most similar other item and count of near-duplicates; computed if absent"),
    meta: z
      .record(z.string(), z.unknown())
      .superRefine((meta, ctx) => {
        if (jsonDepth(meta, MAX_META_DEPTH) > MAX_META_DEPTH)
          ctx.addIssue({
            code: "custom",
            message: `nested more than ${MAX_META_DEPTH} levels deep (objects and arrays inside one another); flatten it, or store the deep part as a JSON string`,
          });
      })
      .optional()
      .describe(`anything else (nested at most ${MAX_META_DEPTH} levels); carried through untouched`),
    pending: z
      .enum(["compress", "rewrite"])
      .optional()
      .describe("set by `curator decide --out`: the harness should compress / rewrite this item"),
  })
  .strict();
export type LibraryItem = z.infer<typeof LibraryItemSchema>;
