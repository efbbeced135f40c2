import type { CommandModule } from "yargs";
import { describeGovernance, formatReview } from "../../library/review.js";
import { describeOod } from "../../runtime/ood.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { recoverOutput } from "../../util/atomic.js";
import type { Decision } from "../../runtime/decide.js";
import { DecideFlagsSchema } from "../../library/curate-options.js";
import { flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

/** Rows listed in the review table and the --json summary; the audit log holds them all. */
const MAX_LISTED = 2000;

function review(decisions: readonly Decision[], changesOnly: boolean, contents: ReadonlyMap<string, string>): string {
  const rows = changesOnly || decisions.length > MAX_LISTED ? decisions.filter((d) => d.action !== "keep") : decisions;
  if (rows.length <= MAX_LISTED) return formatReview(rows, { changesOnly, contents });
  return `${formatReview(rows.slice(0, MAX_LISTED), { changesOnly: true, contents })}\n… ${rows.length - MAX_LISTED} more changes (see audit.jsonl)`;
}

/** Near-duplicate search on a large library can take a while; shorter runs print no progress. */
const PROGRESS_AFTER_MS = 2000;

/** Every decide option is a flag; the schema gives its type, default and description. */
export const DECIDE_FLAGS: FlagTable<typeof DecideFlagsSchema> = {
  model: { demand: true },
  library: { demand: true },
  executorStats: {},
  executor: {},
  changesOnly: {},
  dryRun: {},
  out: {},
  seed: {},
  now: {},
  structuralRules: {},
};

export const decideCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "decide",
  describe: "curate a library: keep / compress / rewrite / retire each item under the library's governance rules",
  builder: (y) =>
    withFlags(y, flagsFromSchema(DecideFlagsSchema, DECIDE_FLAGS))
      .example(
        "curator decide --model models/default --library lib.jsonl --executor-stats stats.json --dry-run",
        "review only, nothing written",
      )
      .example(
        "curator decide --model models/default --library lib.jsonl --executor-stats stats.json --out curated/",
        "a curated folder with archive and audit log",
      )
      .example(
        "curator decide --model heuristic --library curated/ --out curated/ --changes-only",
        "the next pass over the same folder, with a baseline",
      ),
  handler: async (args) => {
    const o = optionsFromFlags(DecideFlagsSchema, DECIDE_FLAGS, args);
    const { curateLibrary } = await import("../../library/curate.js");
    if (o.out !== undefined && !o.dryRun) recoverOutput(o.out);
    const r = await withProgressBar(
      "decide",
      (onProgress) =>
        curateLibrary({
          model: o.model,
          library: o.library,
          executor: o.executor,
          executorStats: o.executorStats,
          out: o.out,
          dryRun: o.dryRun,
          seed: o.seed,
          now: o.now,
          structuralRules: o.structuralRules,
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
      dryRun: o.dryRun,
      written: r.written,
      ...(listed
        ? { decisions: r.decisions }
        : { decisionsOmitted: `${r.decisions.length} decisions: more than ${MAX_LISTED}, see audit.jsonl` }),
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
      ? [
          "",
          `Out of distribution: ${r.outOfDistribution.length} feature(s) far from the model's training data; treat these decisions with care:`,
          ...r.outOfDistribution.map((f) => `  ${describeOod(f)}`),
        ]
      : [];
    const tail = r.written
      ? [
          `Wrote ${r.written.out}: ${r.written.live} live items, ${r.written.archived} archived, audit log ${r.written.auditLines} lines.`,
          `head ${r.written.head}  (keep it outside the folder; 'curator audit verify DIR --expect-head HASH' proves the history later)`,
        ]
      : ["Dry run: nothing was written."];
    emit(
      args,
      summary,
      [...head, ...ood, "", review(r.decisions, !!r.written || o.changesOnly, contents), "", ...tail].join("\n"),
    );
  },
};
