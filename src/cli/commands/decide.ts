import type { CommandModule } from "yargs";
import { countActions, describeGovernance, formatReview } from "../../library/review.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";

/** Near-duplicate search on a large library can take a while; shorter runs print no progress. */
const PROGRESS_AFTER_MS = 2000;

interface DecideArgs extends GlobalArgs {
  model: string;
  library: string;
  executor: string;
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
      .option("library", { type: "string", demandOption: true, describe: "library JSONL (see 'curator schema item'); governance.json beside it is applied" })
      .option("executor", { type: "string", demandOption: true, describe: "executor the library serves: a preset (weak, mid, strong, …) or a profile JSON file" })
      .option("dry-run", { type: "boolean", default: false, describe: "print the review (item, action, probability, why) and write nothing" })
      .option("out", { type: "string", describe: "folder for library.jsonl, archive.jsonl and audit.jsonl (a previous output is extended)" })
      .option("seed", { type: "number", describe: "sample actions with this seed instead of argmax (random always samples, seed 0 by default)" })
      .option("now", { type: "number", describe: "current task index (default: the largest task index in the items' stats)" }),
  handler: async (args) => {
    const { curateLibrary } = await import("../../library/curate.js");
    const r = await withProgressBar(
      "decide",
      (onProgress) =>
        curateLibrary({
          model: args.model,
          library: args.library,
          executor: args.executor,
          out: args.out,
          dryRun: args["dry-run"],
          seed: args.seed,
          now: args.now,
          onProgress,
        }),
      { quietForMs: PROGRESS_AFTER_MS },
    );
    const counts = countActions(r.decisions);
    const summary = {
      curator: r.curator,
      modelHash: r.modelHash,
      executor: r.executor,
      seed: r.seed,
      governance: r.governance,
      governanceSource: r.governanceSource,
      counts,
      capped: r.capped,
      dryRun: args["dry-run"],
      written: r.written,
      decisions: r.decisions,
    };
    const head = [
      `${r.decisions.length} items, curator ${r.curator}, executor ${r.executor}${r.seed === null ? "" : `, sampled with seed ${r.seed}`}`,
      describeGovernance(r.governance, r.governanceSource),
      `keep ${counts.keep}, compress ${counts.compress}, rewrite ${counts.rewrite}, retire ${counts.retire}${r.capped ? ` (${r.capped} held back by the change cap)` : ""}`,
    ];
    const tail = r.written
      ? [`Wrote ${r.written.out}: ${r.written.live} live items, ${r.written.archived} archived, audit log ${r.written.auditLines} lines.`]
      : ["Dry run: nothing was written."];
    emit(args, summary, [...head, "", formatReview(r.decisions, { changesOnly: !!r.written }), "", ...tail].join("\n"));
  },
};
