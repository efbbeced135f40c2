/**
 * The import format: one definition of the lines an import folder holds besides its items (snapshots.jsonl,
 * events.jsonl, replay-labels.jsonl, comparisons.jsonl) and of its manifest's identifying fields. Importers
 * build these types; replay reads the files back with these schemas.
 */
import { z } from "zod";

export const IMPORT_FORMATS = ["voyager", "dynamic-cheatsheet", "ace-playbook", "agent-s", "tau-bench"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The live item ids of one library at one point in time. */
export const SnapshotSchema = z.object({
  library: z.string(),
  index: z.number().int().describe("0-based position in the library's history"),
  label: z.string(),
  taskIndex: z
    .number()
    .int()
    .nullable()
    .describe(
      "task / question index the snapshot was taken at (before that task runs); null when the source does not say",
    ),
  reconstructed: z
    .boolean()
    .describe("the point in time is inferred (e.g. Voyager's first versions), not stored by the source"),
  itemIds: z.array(z.string()),
  missingItems: z.number().describe("items the source names at this point whose text it never stored"),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const OutcomeSchema = z.enum(["success", "failure", "unknown"]);
export type Outcome = z.infer<typeof OutcomeSchema>;

/** One task (question, attempt, trajectory) with its outcome. */
export const TaskEventSchema = z.object({
  library: z.string(),
  taskIndex: z.number().int(),
  task: z.string(),
  outcome: OutcomeSchema,
  outcomeBasis: z.string().describe('how the outcome was established (e.g. "numeric answer check", "reward")'),
  itemIds: z
    .array(z.string())
    .nullable()
    .describe("items in context for this task; null when the source does not record it"),
  usedItemIds: z
    .array(z.string())
    .nullable()
    .optional()
    .describe(
      "items the source itself marks as used for this task (a usage count rising, the task added to an item's reference list, retrieved items); absent/null = not recorded",
    ),
  referenceOutcome: OutcomeSchema.nullable()
    .optional()
    .describe("outcome of the same task in the same-prompt run without memory; absent/null = no such run"),
  detail: z.record(z.string(), z.unknown()),
});
export type TaskEvent = z.infer<typeof TaskEventSchema>;

const Tri = z.boolean().nullable();

/**
 * Labels for replay evaluation, per item id (every version), over the item's whole logged life; true/false
 * where the source shows it, null where it cannot know. Replay recomputes the credited ones (uplift, harmful,
 * helpful, deadWeight) from the events after each decision point; these whole-life values are the summary.
 */
export const ReplayLabelSchema = z.object({
  id: z.string(),
  library: z.string(),
  inFinal: z.boolean().describe("in the library's latest state"),
  rewrittenLater: Tri.describe("proxy: a later version of the same item exists (what the writing agent did next)"),
  removedLater: Tri.describe(
    "proxy: the item disappears from the library before its latest state (elided items are not removed)",
  ),
  uplift: z
    .number()
    .nullable()
    .describe(
      "credited paired uplift of the item's lineage: Σ over tasks it was marked used for of correct(with memory) − correct(same prompt without)",
    ),
  harmful: Tri.describe("credited: uplift < 0"),
  helpful: Tri.describe("credited: uplift > 0"),
  deadWeight: Tri.describe("credited: in context for ≥ 3 tasks with a known reference outcome, never marked used"),
  neverUsed: Tri.describe("proxy: never used by the source's own account (never reused / called / counted)"),
  elided: z
    .boolean()
    .optional()
    .describe(
      "the item left the text only where the writer elided it ([Previous … remain unchanged]): neither removed nor rewritten",
    ),
  evidence: z.record(z.string(), z.unknown()).describe("the numbers behind the labels"),
});
export type ReplayLabel = z.infer<typeof ReplayLabelSchema>;

/** Label keys replay scores; the credited ones need a same-prompt reference run. */
export const PROXY_LABELS = ["rewrittenLater", "removedLater", "neverUsed"] as const;
export const CREDITED_LABELS = ["harmful", "helpful", "deadWeight"] as const;
export type ProxyLabel = (typeof PROXY_LABELS)[number];
export type CreditedLabel = (typeof CREDITED_LABELS)[number];

/**
 * A run-level comparison of two runs of the same tasks: a memory run against its same-prompt no-memory
 * reference (paired uplift), or two no-memory runs against each other (the noise floor).
 */
export const ComparisonSchema = z.object({
  kind: z.enum(["paired-uplift", "noise-floor"]),
  group: z.string().describe("what the runs share, e.g. AIME_2024/gpt-4o"),
  a: z.string().describe("the memory run (paired-uplift) or the first no-memory run"),
  b: z
    .string()
    .nullable()
    .describe("the same-prompt no-memory run, or the second no-memory run; null when the source has none"),
  n: z.number().int().describe("tasks with a known outcome in both runs"),
  both: z.number().int(),
  aOnly: z.number().int().describe("tasks only run a got right"),
  bOnly: z.number().int().describe("tasks only run b got right"),
  neither: z.number().int(),
  note: z.string(),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

/** The manifest fields replay relies on (the full manifest is ImportManifest in write.ts). */
export const ImportManifestHeadSchema = z
  .object({
    kind: z.literal("curator-import"),
    format: z.enum(IMPORT_FORMATS),
    importerVersion: z.string(),
    source: z.string(),
  })
  .loose();
