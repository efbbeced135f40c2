import { z } from "zod";
import { PricesSchema } from "../../schemas/world.js";
import { readJsonFile, parseWith } from "../../util/json-file.js";

/**
 * A real executor behind an OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server,
 * hosted APIs). The API key is never stored here: only the NAME of the environment variable that holds it.
 */
export const EndpointBlockSchema = z
  .object({
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe(
        "base URL of the OpenAI-compatible API, including /v1 (e.g. http://127.0.0.1:8000/v1); give this or baseUrls",
      ),
    baseUrls: z
      .array(z.string().url())
      .min(1)
      .optional()
      .describe(
        "several servers of the same model (e.g. one per GPU): each stream goes to the least busy one and stays there, so its prefix cache hits",
      ),
    model: z.string().min(1).describe("model name as the server knows it (see GET /v1/models)"),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable NAME such as OPENAI_API_KEY, not the key")
      .optional()
      .describe("name of the environment variable holding the API key; omit for local servers that need none"),
    timeoutMs: z.number().int().positive().default(60_000).describe("per-request timeout in milliseconds"),
    maxRetries: z
      .number()
      .int()
      .nonnegative()
      .default(5)
      .describe("retries on 429 / 5xx / resets / timeouts / bad bodies"),
    concurrency: z.number().int().positive().default(4).describe("requests in flight at once against this endpoint"),
    temperature: z.number().min(0).max(2).default(0).describe("sampling temperature"),
    maxTokens: z.number().int().positive().default(2048).describe("max output tokens per call"),
    maxReplyBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "largest reply body read, in bytes after decompression (default 1 MiB); a larger reply is refused unread and its task counted as failed",
      ),
    maxReplyTokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "most tokens a reply's text may have, counted locally (o200k_base) or by the server (default 2 × maxTokens); a longer reply is refused and its task counted as failed",
      ),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.baseUrl === undefined && b.baseUrls === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["baseUrl"],
        message: "give baseUrl (one server) or baseUrls (several servers of the same model)",
      });
    if (b.baseUrls && new Set(b.baseUrls).size !== b.baseUrls.length)
      ctx.addIssue({ code: "custom", path: ["baseUrls"], message: "lists a server twice; list each base URL once" });
  })
  // baseUrl is always set after parsing (the first server when only baseUrls is given), for messages and logs.
  .transform((b) => ({ ...b, baseUrl: b.baseUrl ?? (b.baseUrls as string[])[0] }));
export type EndpointBlock = z.output<typeof EndpointBlockSchema>;

/** Every server of an endpoint block: baseUrls, with baseUrl first when both are given. */
export function serverUrls(block: EndpointBlock): string[] {
  return block.baseUrls
    ? [...new Set([...(block.baseUrls.includes(block.baseUrl) ? [] : [block.baseUrl]), ...block.baseUrls])]
    : [block.baseUrl];
}
export type EndpointBlockInput = z.input<typeof EndpointBlockSchema>;

export const EndpointProfileSchema = z
  .object({
    name: z.string().min(1).describe("how reports name this executor"),
    endpoint: EndpointBlockSchema,
    contextBudget: z.number().int().positive().describe("tokens of retrieved items placed in the prompt"),
    retrievalK: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("items retrieved per task (BM25) before the budget cut; default 8"),
    reflection: z
      .boolean()
      .optional()
      .describe(
        "after each task, ask the executor which memory items shown helped or misled (ACE's reflector); feeds the items' helpful / harmful counts, one more call per task; default false",
      ),
    prices: PricesSchema.optional().describe("USD per million tokens; cached prompt tokens use cachedInputPerMTok"),
    rewriter: EndpointBlockSchema.optional().describe("endpoint for compress / rewrite calls; defaults to `endpoint`"),
  })
  .strict();
export type EndpointProfile = z.output<typeof EndpointProfileSchema>;
export type Prices = z.output<typeof PricesSchema>;

/** Prices used when a profile names none (the same defaults as the simulated world). */
export const DEFAULT_PRICES: Prices = PricesSchema.parse({});

/** True when a parsed JSON profile selects a real endpoint (has an `endpoint` block) rather than a simulated one. */
export function isEndpointProfileJson(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && "endpoint" in raw;
}

export function parseEndpointProfile(raw: unknown, where = "Endpoint profile"): EndpointProfile {
  return parseWith(EndpointProfileSchema, raw, where);
}

export function readEndpointProfile(path: string): EndpointProfile {
  return readJsonFile(path, EndpointProfileSchema, "Endpoint profile");
}

/** The endpoint that runs compress / rewrite calls: the profile's `rewriter`, else its executor endpoint. */
export function rewriterBlock(profile: EndpointProfile): EndpointBlock {
  return profile.rewriter ?? profile.endpoint;
}

export interface Usage {
  /** all prompt tokens as the server reports them (cached ones included) */
  promptTokens: number;
  /** of promptTokens, those served from the prompt cache */
  cachedTokens: number;
  completionTokens: number;
}

/** USD of one call: uncached prompt tokens at the input price, cached ones at the cache-read price. */
export function costOf(usage: Usage, prices: Prices): number {
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens);
  return (
    (uncached * prices.inputPerMTok +
      usage.cachedTokens * prices.cachedInputPerMTok +
      usage.completionTokens * prices.outputPerMTok) /
    1e6
  );
}
