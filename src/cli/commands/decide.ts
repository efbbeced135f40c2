import type { CommandModule } from "yargs";
import { describeGovernance, formatReview } from "../../library/review.js";
import { describeOod } from "../../runtime/ood.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { recoverOutput } from "../../util/atomic.js";
import type { Decision } from "../../runtime/decide.js";

/** Rows listed in the review table and the --json summary; the audit log holds them all. */
const MAX_LISTED = 2000;

function review(decisions: readonly Decision[], changesOnly: boolean, contents: ReadonlyMap<string, string>): string {
  const rows = changesOnly || decisions.length > MAX_LISTED ? decisions.filter((d) => d.action !== "keep") : decisions;
  if (rows.length <= MAX_LISTED) return formatReview(rows, { changesOnly, contents });
  return `${formatReview(rows.slice(0, MAX_LISTED), { changesOnly: true, contents })}\n… ${rows.length - MAX_LISTED} more changes (see audit.jsonl)`;
}

/** Near-duplicate search on a large library can take a while; shorter runs print no progress. */
const PROGRESS_AFTER_MS = 2000;

interface DecideArgs extends GlobalArgs {
  model: string;
  library: string;
  executor?: string;
  "executor-stats"?: string;
  "changes-only": boolean;
  "dry-run": boolean;
  out?: string;
  seed?: number;
  now?: number;
}

export const decideCommand: CommandModule<GlobalArgs, DecideArgs> = {
  command: "decide",
  describe: "curate a library: keep / compress / rewrite / retire each item under the library's governance rules",
  builder: (y) =>
    y
      .option("model", { type: "string", demandOption: true, describe: "curator: a .onnx file from 'curator export', or heuristic, random, none" })
      .option("library", { type: "string", demandOption: true, describe: "library JSONL (see 'curator schema item') or a folder holding library.jsonl (e.g. a decide output); governance.json beside it is applied" })
      .option("executor-stats", { type: "string", describe: "JSON file with your executor's context budget and recent task outcomes (docs/harness.md)" })
      .option("executor", { type: "string", describe: "fallback when --executor-stats is not given (a guess, with a warning): a preset (weak, mid, strong, …) or a profile JSON file" })
      .option("changes-only", { type: "boolean", default: false, describe: "review only the items that change (always so after writing)" })
      .option("dry-run", { type: "boolean", default: false, describe: "print the review (item, action, probability, why) and write nothing" })
      .option("out", { type: "string", describe: "decide output folder (library.jsonl, archive.jsonl, audit.jsonl): absent or empty, or an earlier output, which this pass continues (its live items must all be in --library; its governance applies)" })
      .option("seed", { type: "number", describe: "sample actions with this seed instead of argmax (random always samples, seed 0 by default)" })
      .option("now", { type: "number", describe: "current task index (default: the largest task index in the items' stats)" }),
  handler: async (args) => {
    const { curateLibrary } = await import("../../library/curate.js");
    if (args.out !== undefined && !args["dry-run"]) recoverOutput(args.out);
    const r = await withProgressBar(
      "decide",
      (onProgress) =>
        curateLibrary({
          model: args.model,
          library: args.library,
          executor: args.executor,
          executorStats: args["executor-stats"],
          out: args.out,
          dryRun: args["dry-run"],
          seed: args.seed,
          now: args.now,
          onProgress,
        }),
      { quietForMs: PROGRESS_AFTER_MS },
    );
    const counts = r.counts;
    const listed = r.decisions.length <= MAX_LISTED;
    const summary = {
      curator: r.curator,
      modelHash: r.modelHash,
      executor: r.executor,
      seed: r.seed,
      governance: r.governance,
      governanceSource: r.governanceSource,
      counts,
      capped: r.capped,
      executorObservation: r.executorObservation,
      executorSources: r.executorSources,
      outOfDistribution: r.outOfDistribution,
      warnings: r.warnings,
      window: r.window,
      changeCap: r.changeCap,
      changesBefore: r.changesBefore,
      decided: r.decisions.length,
      unchanged: r.unchanged,
      dryRun: args["dry-run"],
      written: r.written,
      ...(listed ? { decisions: r.decisions } : { decisionsOmitted: `${r.decisions.length} decisions: more than ${MAX_LISTED}, see audit.jsonl` }),
    };
    const head = [
      `${r.items.length} items (${r.decisions.length} decided, ${r.unchanged} without new evidence since their last decision: left alone), curator ${r.curator}, executor ${r.executor}${r.seed === null ? "" : `, sampled with seed ${r.seed}`}`,
      describeGovernance(r.governance, r.governanceSource),
      `keep ${counts.keep}, compress ${counts.compress}, rewrite ${counts.rewrite}, retire ${counts.retire}${r.capped ? ` (${r.capped} held back by the change cap)` : ""}` +
        ` — evidence window ${r.window}: ${r.changesBefore} of ${r.changeCap} allowed changes used by earlier passes`,
    ];
    for (const w of r.warnings) process.stderr.write(`curator: warning: ${w}\n`);
    const contents = new Map(r.items.map((it) => [it.id, it.content]));
    const ood = r.outOfDistribution?.length
      ? ["", `Out of distribution: ${r.outOfDistribution.length} feature(s) far from the model's training data; treat these decisions with care:`, ...r.outOfDistribution.map((f) => `  ${describeOod(f)}`)]
      : [];
    const tail = r.written
      ? [
          `Wrote ${r.written.out}: ${r.written.live} live items, ${r.written.archived} archived, audit log ${r.written.auditLines} lines.`,
          `head ${r.written.head}  (keep it outside the folder; 'curator audit verify DIR --expect-head HASH' proves the history later)`,
        ]
      : ["Dry run: nothing was written."];
    emit(args, summary, [...head, ...ood, "", review(r.decisions, !!r.written || args["changes-only"], contents), "", ...tail].join("\n"));
  },
};
