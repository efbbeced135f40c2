import type { CommandModule } from "yargs";
import { applyPending } from "../../library/pending.js";
import { emit, type GlobalArgs } from "../output.js";

interface ApplyPendingArgs extends GlobalArgs {
  from: string;
  endpoint: string;
  only?: string;
}

export const applyPendingCommand: CommandModule<GlobalArgs, ApplyPendingArgs> = {
  command: "apply-pending",
  describe: "apply the pending compress / rewrite marks of a decide output folder through an LLM endpoint (recorded in the audit log)",
  builder: (y) =>
    y
      .option("from", { type: "string", demandOption: true, describe: "folder written by 'curator decide --out'" })
      .option("endpoint", { type: "string", demandOption: true, describe: "endpoint profile JSON (docs/real-executors.md); its 'rewriter' block runs the calls when present" })
      .option("only", { type: "string", describe: "comma-separated item ids to apply (default: every pending item)" })
      .example("curator apply-pending --from curated/ --endpoint qwen3.json", "compress / rewrite the marked items with a local vLLM"),
  handler: async (args) => {
    const only = args.only ? args.only.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    const r = await applyPending({ from: args.from, profile: args.endpoint, only });
    const lines = [
      r.pending === 0
        ? `Nothing pending in ${args.from}/library.jsonl.`
        : `Applied ${r.applied.length} of ${r.pending} pending mark(s) through ${r.endpoint} ($${r.cost.toFixed(4)}); audit log ${r.auditLines} lines.`,
      ...r.failed.map((f) => `  not applied: ${f.id} (${f.action}): ${f.error} — still pending`),
    ];
    emit(args, r, lines.join("\n"));
  },
};
