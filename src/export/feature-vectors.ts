/**
 * Featurizer test vectors (`curator.features.json`, written by `curator export` beside `curator.vectors.json`):
 * raw library lines and executor statistics → the observations observe.ts derives → the feature vectors the
 * model's `features` input takes. A harness in another language proves its featurizer with them, as it proves
 * its model runner with curator.vectors.json. The formulas are in docs/features.md; a reference port is
 * examples/python/featurizer.py. The cases are fixed data, so the file depends only on the featurizer version.
 */
import type { LibraryItem } from "../schemas/item.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { EXECUTOR_PRESETS } from "../executors/presets.js";
import { TOKEN_ENCODING } from "../text/tokens.js";
import { MINHASH_SETTINGS, NEAR_DUPLICATE_THRESHOLD, minhash, shingles } from "../text/similarity.js";
import { FEATURE_NAMES, FEATURIZER_VERSION, NUM_FEATURES, type ExecutorObservation } from "../features/featurizer.js";
import { RECENT_TASKS, RELEVANCE_UNKNOWN, SHORT_GENERIC_WORDS } from "../features/content.js";
import {
  featurizeObserved,
  OBSERVATION_DEFAULTS,
  observeLibrary,
  type LibraryObservations,
} from "../features/observe.js";

/** Agreement a port must reach per feature value (absolute; values are float32 as the model takes them). */
export const FEATURE_ATOL = 1e-6;

/** What a case gives the featurizer: library lines plus what the harness knows about its executor. */
export interface FeatureCaseInput {
  items: LibraryItem[];
  /** Only these profile fields are read (the fallbacks when `executorStats` lacks a value). */
  executor: Pick<ExecutorProfile, "name" | "contextBudget" | "baseSkill">;
  executorName?: string;
  executorStats?: Partial<ExecutorObservation>;
  now?: number;
  /** Texts of the executor's most recent tasks, oldest first (relevance). */
  recentTasks?: string[];
}

export interface FeatureCase {
  name: string;
  about: string;
  /** Some item lacks `tokens`: the port needs the o200k_base tokenizer to reproduce this case. */
  needsTokenizer: boolean;
  input: FeatureCaseInput;
  expected: Omit<LibraryObservations, "library"> & { features: number[][] };
}

export interface FeatureVectors {
  kind: "curator-featurizer-vectors";
  featurizerVersion: string;
  featureNames: readonly string[];
  tokenEncoding: string;
  similarity: typeof MINHASH_SETTINGS & { nearDuplicateThreshold: number };
  defaults: typeof OBSERVATION_DEFAULTS;
  /** The content features' constants (src/features/content.ts). */
  content: { recentTasks: number; shortGenericWords: number; relevanceUnknown: number };
  atol: number;
  /** Word shingles and MinHash signatures of a few texts, to debug a similarity port step by step. */
  minhash: { text: string; shingles: string[]; signature: number[] }[];
  cases: FeatureCase[];
}

/** `curator.onnx` → `curator.features.json`. */
export function featuresPathFor(onnxPath: string): string {
  return `${onnxPath.replace(/\.onnx$/i, "")}.features.json`;
}

const EXEC = {
  name: "mid",
  contextBudget: EXECUTOR_PRESETS.mid.contextBudget,
  baseSkill: EXECUTOR_PRESETS.mid.baseSkill,
};

const full = (
  createdAt: number,
  last: number | null,
  n: number,
  s: number,
  rs: number,
  rf: number,
  helpful: number,
  harmful: number,
) => ({
  createdAt,
  lastRetrievedAt: last,
  timesRetrieved: n,
  successes: s,
  failures: n - s,
  recentSuccesses: rs,
  recentFailures: rf,
  helpful,
  harmful,
  writtenAfterFailure: false,
  rewrites: 0,
  compressions: 0,
});

const CASES: { name: string; about: string; input: FeatureCaseInput }[] = [
  {
    name: "typical",
    about: "one library, every statistic logged, tokens and similarity given; executor statistics given",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.62, contextBudget: 6000, budgetUse: 0.41 },
      items: [
        {
          id: "a",
          kind: "skill",
          content: "def retry(): ...",
          author: "mid",
          tokens: 420,
          similarity: { max: 0.12, nearDuplicates: 0 },
          stats: { ...full(3, 118, 40, 29, 4, 2, 11, 2), rewrites: 1 },
        },
        {
          id: "b",
          kind: "context",
          content: "Always check the API docs first.",
          author: "weak",
          tokens: 95,
          similarity: { max: 0.64, nearDuplicates: 2 },
          stats: { ...full(50, 90, 6, 1, 0, 3, 0, 4), writtenAfterFailure: true, compressions: 2 },
        },
        {
          id: "c",
          kind: "context",
          content: "Prefer small steps.",
          tokens: 12,
          similarity: { max: 0.64, nearDuplicates: 1 },
          stats: full(100, null, 0, 0, 0, 0, 0, 0),
        },
        {
          id: "d",
          kind: "skill",
          content: "async function mine(bot) {}",
          author: "mid",
          tokens: 1800,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: full(120, 120, 1, 1, 1, 0, 1, 0),
        },
      ],
    },
  },
  {
    name: "missing-stats",
    about: "no stats at all, partial stats, createdAt missing, lastRetrievedAt null: every default of observe.ts",
    input: {
      executor: EXEC,
      items: [
        {
          id: "fresh",
          kind: "context",
          content: "no stats at all",
          tokens: 4,
          similarity: { max: 0, nearDuplicates: 0 },
        },
        {
          id: "partial",
          kind: "skill",
          content: "only counters",
          tokens: 3,
          similarity: { max: 0.2, nearDuplicates: 0 },
          stats: { timesRetrieved: 5, successes: 3 },
        },
        {
          id: "no-created",
          kind: "context",
          content: "retrieved but no birth",
          tokens: 5,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { lastRetrievedAt: 7, timesRetrieved: 2, failures: 2, harmful: 1 },
        },
        {
          id: "never",
          kind: "context",
          content: "written, never retrieved",
          tokens: 4,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 2, lastRetrievedAt: null, helpful: 0 },
        },
      ],
    },
  },
  {
    name: "zero-retrievals",
    about: "nothing ever retrieved: budget use 0, success rate from sigmoid(baseSkill), since-retrieved = age",
    input: {
      executor: { name: "weak", contextBudget: 3000, baseSkill: -1.2 },
      items: [
        {
          id: "z1",
          kind: "skill",
          content: "x",
          tokens: 100,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 0, lastRetrievedAt: null, timesRetrieved: 0 },
        },
        {
          id: "z2",
          kind: "context",
          content: "y",
          tokens: 0,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 30, timesRetrieved: 0 },
        },
      ],
    },
  },
  {
    name: "huge-counts",
    about: "counts near 2^40, a budget of 0 (divisions use max(1, ·)), explicit now below createdAt (ages clamp at 0)",
    input: {
      executor: EXEC,
      executorStats: { successRate: 1, contextBudget: 0, budgetUse: 1 },
      now: 900_000_000_000,
      items: [
        {
          id: "h1",
          kind: "context",
          content: "hot",
          tokens: 2_000_000,
          similarity: { max: 1, nearDuplicates: 5000 },
          stats: {
            ...full(0, 899_999_999_999, 1_000_000_000_000, 999_999_999_999, 6, 0, 1_099_511_627_776, 3),
            rewrites: 250,
            compressions: 1000,
          },
        },
        {
          id: "h2",
          kind: "context",
          content: "future",
          tokens: 1,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 950_000_000_000, lastRetrievedAt: 960_000_000_000, timesRetrieved: 1 },
        },
        {
          id: "h3",
          kind: "skill",
          content: "bad",
          tokens: 7,
          similarity: { max: 0.5, nearDuplicates: 1 },
          stats: { createdAt: 1, harmful: 1_099_511_627_776, helpful: 0, failures: 123_456_789, recentFailures: 6 },
        },
      ],
    },
  },
  {
    name: "pooled-and-budget",
    about:
      "executor rate from pooled outcomes (>= 10), budget use from the 4 most-retrieved items (ties: longer first)",
    input: {
      executor: { name: "strong", contextBudget: 4000, baseSkill: 1.0 },
      executorName: "agent-7",
      items: [
        {
          id: "p1",
          kind: "context",
          content: "1",
          author: "agent-7",
          tokens: 400,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 1, lastRetrievedAt: 20, timesRetrieved: 9, successes: 6, failures: 3 },
        },
        {
          id: "p2",
          kind: "context",
          content: "2",
          author: "strong",
          tokens: 800,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 2, lastRetrievedAt: 19, timesRetrieved: 8, successes: 2, failures: 6 },
        },
        {
          id: "p3",
          kind: "context",
          content: "3",
          tokens: 200,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 3, lastRetrievedAt: 18, timesRetrieved: 6 },
        },
        {
          id: "p4",
          kind: "context",
          content: "4",
          tokens: 600,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 4, lastRetrievedAt: 17, timesRetrieved: 6 },
        },
        {
          id: "p5",
          kind: "skill",
          content: "5",
          tokens: 5000,
          similarity: { max: 0, nearDuplicates: 0 },
          stats: { createdAt: 5, lastRetrievedAt: 16, timesRetrieved: 5 },
        },
      ],
    },
  },
  {
    name: "two-libraries",
    about: "two libraries in one file: ages, library size/tokens and similarity per library; one logs no retrievals",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.5, budgetUse: 0.2 },
      items: [
        {
          id: "s/1",
          library: "small",
          kind: "skill",
          content: "craft a wooden pickaxe from planks and sticks",
          tokens: 30,
          stats: { createdAt: 0, rewrites: 1 },
        },
        {
          id: "b/1",
          library: "big",
          kind: "context",
          content: "check the queue before playing music",
          tokens: 9,
          stats: { createdAt: 0, lastRetrievedAt: 47, timesRetrieved: 12, successes: 8, failures: 4 },
        },
        {
          id: "s/2",
          library: "small",
          kind: "skill",
          content: "craft a wooden pickaxe from planks and two sticks",
          tokens: 33,
          stats: { createdAt: 13 },
        },
        {
          id: "b/2",
          library: "big",
          kind: "context",
          content: "check the queue before playing the music",
          tokens: 10,
          stats: { createdAt: 20, lastRetrievedAt: 30, timesRetrieved: 2, successes: 0, failures: 2 },
        },
        {
          id: "b/3",
          library: "big",
          kind: "context",
          content: "verify the account id",
          tokens: 6,
          stats: { createdAt: 40, lastRetrievedAt: null, timesRetrieved: 0 },
        },
      ],
    },
  },
  {
    name: "similarity-computed",
    about:
      "similarity computed by MinHash: near-duplicates, case and punctuation, unicode, fewer than 3 words, empty text",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.5, budgetUse: 0 },
      items: [
        {
          id: "m1",
          kind: "context",
          content: "When syncing contacts, compare e-mail addresses AND phone numbers across platforms.",
          tokens: 17,
        },
        {
          id: "m2",
          kind: "context",
          content: "when syncing contacts compare e mail addresses and phone numbers across all platforms",
          tokens: 15,
        },
        {
          id: "m3",
          kind: "context",
          content: "Über-Größe prüfen: straße_name 42 — naïve café; 東京 タワー 👍 résumé",
          tokens: 25,
        },
        {
          id: "m4",
          kind: "context",
          content: "über größe PRÜFEN straße_name 42 naïve café 東京 タワー résumé",
          tokens: 22,
        },
        { id: "m5", kind: "context", content: "two words", tokens: 2 },
        { id: "m6", kind: "context", content: "Two   words!", tokens: 3 },
        { id: "m7", kind: "context", content: "", tokens: 0 },
        { id: "m8", kind: "context", content: "...", tokens: 1 },
      ],
    },
  },
  {
    name: "content-and-relevance",
    about:
      "obs-v3 content features: relevance to the last 8 task texts (older ones ignored, one with no content word skipped), skills calling skills, placeholder (also an elided item that kept its header), short generic advice, core share",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.5, budgetUse: 0.3 },
      recentTasks: [
        "ignored: older than the last eight tasks",
        "Mine three iron ore with a stone pickaxe",
        "Craft a wooden pickaxe",
        "the and of",
        "Smelt iron ingots in a furnace",
        "Craft an iron pickaxe from iron ingots",
        "Kill one zombie",
        "Mine coal near the surface",
        "Craft a furnace from cobblestone",
      ],
      items: [
        {
          id: "skills/craftWoodenPickaxe",
          kind: "skill",
          content:
            "async function craftWoodenPickaxe(bot) {\n  await craftItem(bot, 'wooden_pickaxe', 1); // craftWoodenPickaxe(bot) in a comment is no call\n}",
          tokens: 30,
        },
        {
          id: "skills/mineIron",
          kind: "skill",
          content:
            "async function mineIron(bot) {\n  await craftWoodenPickaxe(bot);\n  await mineBlock(bot, 'iron_ore', 3);\n}",
          tokens: 35,
        },
        {
          id: "skills/craftItem",
          kind: "skill",
          content: "async function craftItem(bot, name, n) { await bot.craft(name, n); }",
          tokens: 20,
        },
        {
          id: "skills/mineIron@v1",
          kind: "skill",
          content: "async function mineIron(bot) { await craftItem(bot, 'stone_pickaxe', 1); }",
          tokens: 20,
        },
        {
          id: "elided",
          kind: "context",
          content: "[Previous memory items about smelting remain unchanged]",
          tokens: 10,
        },
        {
          id: "elided-with-header",
          kind: "context",
          content: "<description>\nSmelting iron (Reference: Q3)\n[Previous content preserved...]\n</description>",
          tokens: 16,
        },
        { id: "todo", kind: "context", content: "TODO", tokens: 1 },
        { id: "empty", kind: "context", content: "  ", tokens: 0 },
        { id: "generic", kind: "context", content: "Always be careful and think step by step.", tokens: 9 },
        {
          id: "specific",
          kind: "context",
          content: "Iron ore needs a stone pickaxe or better; smelt 3 ore for 3 ingots.",
          tokens: 18,
        },
        {
          id: "verbose",
          kind: "context",
          content:
            "It is very important to always make sure that you always check and always make sure that it is very good, very very good.",
          tokens: 27,
        },
      ],
    },
  },
  {
    name: "relevance-unknown",
    about: "no task text given: every item's relevance is the documented constant",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.5, budgetUse: 0.3 },
      items: [
        {
          id: "r1",
          kind: "context",
          content: "Craft a furnace from cobblestone",
          tokens: 6,
          stats: { createdAt: 0, lastRetrievedAt: 4, timesRetrieved: 5, successes: 5 },
        },
      ],
    },
  },
  {
    name: "tokens-from-tokenizer",
    about: "items without `tokens`: counted with the o200k_base tokenizer (a port needs it, e.g. tiktoken)",
    input: {
      executor: EXEC,
      executorStats: { successRate: 0.5, budgetUse: 0.1 },
      items: [
        {
          id: "t1",
          kind: "context",
          content: "Always look at API specifications before calling an API.",
          similarity: { max: 0, nearDuplicates: 0 },
        },
        {
          id: "t2",
          kind: "skill",
          content: "async function mineWoodLog(bot) {\n  await bot.dig(block);\n}",
          similarity: { max: 0, nearDuplicates: 0 },
        },
        { id: "t3", kind: "context", content: "", similarity: { max: 0, nearDuplicates: 0 } },
      ],
    },
  },
];

const MINHASH_TEXTS = [
  "When syncing contacts, compare e-mail addresses",
  "Über-Größe prüfen: straße_name 42 👍",
  "two words",
];

function profileOf(e: FeatureCaseInput["executor"]): ExecutorProfile {
  return { ...structuredClone(EXECUTOR_PRESETS.mid), ...e };
}

/** Runs the toolkit's own featurizer on one case input: the expected side of the vectors. */
export function expectedFor(input: FeatureCaseInput): FeatureCase["expected"] {
  const obs = observeLibrary(input.items, {
    executor: profileOf(input.executor),
    executorName: input.executorName,
    executorStats: input.executorStats,
    now: input.now,
    recentTasks: input.recentTasks,
  });
  const f = featurizeObserved(obs);
  const { library: _whole, ...rest } = obs;
  return {
    ...rest,
    features: Array.from({ length: obs.observations.length }, (_, r) =>
      Array.from(f.subarray(r * NUM_FEATURES, (r + 1) * NUM_FEATURES)),
    ),
  };
}

export function makeFeatureVectors(): FeatureVectors {
  return {
    kind: "curator-featurizer-vectors",
    featurizerVersion: FEATURIZER_VERSION,
    featureNames: FEATURE_NAMES,
    tokenEncoding: TOKEN_ENCODING,
    similarity: { ...MINHASH_SETTINGS, nearDuplicateThreshold: NEAR_DUPLICATE_THRESHOLD },
    defaults: OBSERVATION_DEFAULTS,
    content: { recentTasks: RECENT_TASKS, shortGenericWords: SHORT_GENERIC_WORDS, relevanceUnknown: RELEVANCE_UNKNOWN },
    atol: FEATURE_ATOL,
    minhash: MINHASH_TEXTS.map((text) => ({ text, shingles: shingles(text), signature: Array.from(minhash(text)) })),
    cases: CASES.map((c) => ({
      ...c,
      needsTokenizer: c.input.items.some((it) => it.tokens === undefined),
      expected: expectedFor(c.input),
    })),
  };
}

/** The file's text: one case per line group, stable bytes for the same featurizer. */
export function featureVectorsText(): string {
  return `${JSON.stringify(makeFeatureVectors(), null, 1)}\n`;
}
