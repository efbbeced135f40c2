import { z } from "zod";

export const PricesSchema = z
  .object({
    inputPerMTok: z.number().nonnegative().default(3).describe("USD per million uncached prompt tokens"),
    cachedInputPerMTok: z.number().nonnegative().default(0.3).describe("USD per million prompt tokens read from cache"),
    outputPerMTok: z.number().nonnegative().default(15).describe("USD per million output tokens"),
  })
  .strict();

export const GovernanceSchema = z
  .object({
    maxChangeShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe("at most this share of the live library may be retired or rewritten in one pass"),
    minAgeToRetire: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("items younger than this many tasks are not retired"),
    protectedTags: z.array(z.string()).default([]).describe("items with any of these tags are never retired"),
    protectedKinds: z
      .array(z.enum(["skill", "context"]))
      .default([])
      .describe("items of these kinds are never retired"),
    probation: z
      .object({
        failureShare: z
          .number()
          .min(0)
          .max(1)
          .describe("author's recent-item failure share above which new items enter on probation"),
        rankPenalty: z.number().nonnegative().describe("relevance subtracted from an item on probation"),
        successesToGraduate: z.number().int().positive(),
      })
      .strict()
      .optional()
      .describe("contamination gate: new items from an unreliable author start on probation"),
  })
  .strict();
export type Governance = z.infer<typeof GovernanceSchema>;

/** The simulated world (SkillWorld). Every field has a default; a world file overrides what it names. */
export const WorldConfigSchema = z
  .object({
    name: z.string().default("default"),
    families: z.number().int().min(1).max(1000).default(12).describe("number of task families"),
    initialActiveFamilies: z.number().int().min(1).default(5).describe("families popular at the start"),
    popularityShiftRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.02)
      .describe("per task, chance that one family fades and another rises"),
    driftRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.015)
      .describe("per task, chance that a popular family's procedure version moves on"),
    difficultySd: z.number().nonnegative().default(0.5).describe("spread of task difficulty (log-odds)"),
    retrievalK: z.number().int().positive().default(4).describe("items retrieved per task, before the budget cut"),
    relevanceNoise: z.number().nonnegative().default(0.35).describe("sd of noise on the retrieval relevance score"),
    genericRelevance: z
      .number()
      .default(0.55)
      .describe("relevance of a generic item to any task (a matching item scores 1)"),
    curationInterval: z.number().int().positive().default(10).describe("a curation pass every this many tasks"),
    recentWindow: z.number().int().positive().default(6).describe("retrievals counted in the recent success window"),
    initialItems: z.number().int().nonnegative().default(12).describe("items in the library at the start of a stream"),
    stalePenalty: z.number().nonnegative().default(1.2).describe("log-odds lost by following a stale item"),
    wrongPenalty: z.number().nonnegative().default(1.6).describe("log-odds lost by following a wrong item"),
    promptOverheadTokens: z.number().int().nonnegative().default(600).describe("task prompt tokens besides items"),
    outputTokensPerTask: z.number().int().nonnegative().default(350),
    compress: z
      .object({
        ratio: z.number().min(0.05).max(1).default(0.4).describe("tokens kept by a compression"),
        detailExponent: z.number().nonnegative().default(1.0).describe("detail lost when cutting into the useful core"),
      })
      .strict()
      .prefault({}),
    rewrite: z
      .object({
        fixProbability: z.number().min(0).max(1).default(0.85).describe("chance a rewrite fixes staleness / wrongness"),
        evidenceTokens: z
          .number()
          .int()
          .nonnegative()
          .default(800)
          .describe("prompt tokens of evidence per rewrite call"),
      })
      .strict()
      .prefault({}),
    prices: PricesSchema.prefault({}),
    governance: GovernanceSchema.prefault({}),
    sharedLibrary: z.boolean().default(false).describe("all executors of a stream take turns on one library"),
  })
  .strict();
export type WorldConfig = z.infer<typeof WorldConfigSchema>;
