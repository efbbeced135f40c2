import type { CommandModule } from "yargs";
import { applyPending } from "../../library/pending.js";
import { z } from "zod";
import { emit, type GlobalArgs } from "../output.js";
import { commaList, flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

export const ApplyPendingFlagsSchema = z
  .object({
    from: z.string().min(1).describe("folder written by 'curator decide --out'"),
    endpoint: z
      .string()
      .min(1)
      .describe("endpoint profile JSON (docs/real-executors.md); its 'rewriter' block runs the calls when present"),
    only: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("comma-separated item ids to apply (default: every pending item)"),
  })
  .strict();

export const APPLY_PENDING_FLAGS: FlagTable<typeof ApplyPendingFlagsSchema> = {
  from: { demand: true },
  endpoint: { demand: true },
  only: { type: "string", parse: commaList, example: "skill-a,skill-b" },
};

export const applyPendingCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "apply-pending",
  describe:
    "apply the pending compress / rewrite marks of a decide output folder through an LLM endpoint (recorded in the audit log)",
  builder: (y) =>
    withFlags(y, flagsFromSchema(ApplyPendingFlagsSchema, APPLY_PENDING_FLAGS)).example(
      "curator apply-pending --from curated/ --endpoint qwen3.json",
      "compress / rewrite the marked items with a local vLLM",
    ),
  handler: async (args) => {
    const o = optionsFromFlags(ApplyPendingFlagsSchema, APPLY_PENDING_FLAGS, args);
    const r = await applyPending({ from: o.from, profile: o.endpoint, only: o.only });
    const lines = [
      r.pending === 0
        ? `Nothing pending in ${o.from}/library.jsonl.`
        : `Applied ${r.applied.length} of ${r.pending} pending mark(s) through ${r.endpoint} ($${r.cost.toFixed(4)}); audit log ${r.auditLines} lines.`,
      ...r.failed.map((f) => `  not applied: ${f.id} (${f.action}): ${f.error} — still pending`),
    ];
    emit(args, r, lines.join("\n"));
  },
};
