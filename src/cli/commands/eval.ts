import type { CommandModule } from "yargs";
import { z } from "zod";
import { resolve } from "node:path";
import { evaluate, EvalOptionsSchema, finishScratch } from "../../eval/evaluate.js";
import type { EvalResults } from "../../eval/summarize.js";
import { prepareOutput, writeDirAtomic } from "../../util/atomic.js";
import { CuratorError } from "../../errors.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import { ReplayOptionsSchema } from "../../eval/replay.js";
import {
  commaList,
  flagsFromSchema,
  numberList,
  optionsFromFlags,
  withFlags,
  type FlagArgs,
  type FlagTable,
} from "../flags.js";
import { maxOf } from "../../util/arrays.js";
import { costPerCompletedText } from "../../util/money.js";

export type EvalArgs = FlagArgs;

/** The report's own flags (not options of evaluate()). */
const ReportFlagsSchema = z
  .object({
    out: z
      .string()
      .min(1)
      .describe(
        "folder for results.json, report.md and plots/ (new, empty, or an earlier eval output; replaced atomically)",
      ),
    title: z.string().optional().describe("title of report.md"),
  })
  .strict();

/** Every evaluate() option is a flag but `names`; the schema gives type, default and description. */
export const EVAL_FLAGS: FlagTable<typeof EvalOptionsSchema> = {
  curators: { type: "string", parse: commaList, demand: true, example: "models/main,heuristic,random" },
  names: { absent: "display names in reports; 'curator run' sets them for its models, the CLI shows the spec" },
  executors: { type: "string", parse: commaList, example: "weak,mid,strong" },
  world: {},
  streams: {},
  tasks: {},
  seeds: { type: "string", parse: numberList, example: "1,2,3" },
  costWeight: {},
  bucket: {},
  tasksFrom: { example: "jsonl:tasks.jsonl" },
  curationInterval: {},
  library: {},
  taskOrder: {},
  unsafeNoSandbox: {},
  oracleSamples: {},
  resume: {},
  scratch: { absent: "the CLI keeps the endpoint units' journals in OUT.partial (removed once the report is written)" },
};

/** `eval --replay`: every replayEvaluate() option is a flag (--curators is shared with the simulated mode). */
export const REPLAY_FLAGS: FlagTable<typeof ReplayOptionsSchema> = {
  datasets: { name: "replay", type: "string", parse: commaList, example: "datasets/real/voyager,datasets/real/dc" },
  curators: { type: "string", parse: commaList },
  executor: {},
  governance: { type: "string", parse: (raw: string) => [...new Set(commaList(raw))], example: "default,none" },
  seed: {},
  protocol: {},
};

export const REPORT_FLAGS: FlagTable<typeof ReportFlagsSchema> = { out: { demand: true }, title: {} };

/** Flags → evaluate() options, checked by the schema with messages that name the flag. */
export function evalOptionsFromArgs(args: EvalArgs): z.output<typeof EvalOptionsSchema> {
  const o = optionsFromFlags(EvalOptionsSchema, EVAL_FLAGS, args);
  return typeof args.out === "string" ? { ...o, scratch: `${resolve(args.out)}.partial` } : o;
}

/**
 * Flags → replayEvaluate() options for `--replay DATASET[,DATASET…]`: curators as listed (no references added),
 * one executor (default mid), governance modes `default` (10% cap) and/or `none` (no cap), both by default.
 */
export function replayOptionsFromArgs(args: EvalArgs): z.output<typeof ReplayOptionsSchema> {
  if (args.executors !== undefined)
    throw new CuratorError("BAD_ARGUMENT", "--replay takes one --executor (default mid), not --executors.");
  return optionsFromFlags(ReplayOptionsSchema, REPLAY_FLAGS, args);
}

async function replayHandler(args: EvalArgs): Promise<void> {
  const { replayEvaluate } = await import("../../eval/replay.js");
  const { writeReplayReport, replayJsonSummary, replayHumanSummary } = await import("../../eval/replay-report.js");
  const options = replayOptionsFromArgs(args);
  const report = optionsFromFlags(ReportFlagsSchema, REPORT_FLAGS, args);
  prepareOutput(report.out, { command: "eval" });
  const results = await withProgressBar("replay", (onProgress) => replayEvaluate(options, { onProgress }));
  await writeDirAtomic(report.out, { command: "eval" }, async (dir) =>
    writeReplayReport(dir, results, { title: report.title, notes: [`Command: \`${commandLine()}\``] }),
  );
  emit(args, replayJsonSummary(results, report.out), replayHumanSummary(results, report.out));
}

/** The --json summary: `{"results": [{curator, executor, successRate, costPerCompletedTask, oracleUpliftShare, successRateCI, …}]}`. */
export function jsonSummary(results: EvalResults): { results: Record<string, unknown>[] } {
  return {
    results: results.results.map((r) => ({
      curator: r.curator,
      executor: r.executor,
      successRate: r.successRate,
      costPerCompletedTask: Number.isFinite(r.costPerCompletedTask) ? r.costPerCompletedTask : null,
      oracleUpliftShare: r.oracleUpliftShare,
      successRateCI: r.successRateCI,
      costPerCompletedTaskCI: r.costPerCompletedTaskCI.map((x) => (Number.isFinite(x) ? x : null)),
      oracleUpliftShareCI: r.oracleUpliftShareCI,
      staleHitRate: r.staleHitRate,
      contaminationFollowRate: r.contaminationFollowRate,
      tokensPerTask: r.tokensPerTask,
      cacheReadShare: r.cacheReadShare,
      finalLibrarySize: r.finalLibrarySize,
      finalLibraryTokens: r.finalLibraryTokens,
      actionMix: r.actionMix,
      heldOut: r.heldOut,
      paired: r.paired,
    })),
  };
}

function humanSummary(results: EvalResults, out: string): string {
  const head = ["curator", "executor", "success [95% CI]", "$/completed", "uplift share"];
  const rows = results.results.map((r) => [
    r.curator,
    r.executor,
    `${(100 * r.successRate).toFixed(1)}% [${(100 * r.successRateCI[0]).toFixed(1)}, ${(100 * r.successRateCI[1]).toFixed(1)}]`,
    costPerCompletedText(r.costPerCompletedTask),
    r.oracleUpliftShare === null
      ? "n/a"
      : `${(100 * r.oracleUpliftShare).toFixed(1)}%${r.heldOut ? " (held out)" : ""}`,
  ]);
  const widths = head.map((h, i) =>
    maxOf(
      rows.map((r) => r[i].length),
      h.length,
    ),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line), "", `Wrote ${out}: results.json, report.md, plots/.`].join("\n");
}

export const evalCommand: CommandModule<GlobalArgs, EvalArgs> = {
  command: "eval",
  describe:
    "evaluate curators on the same streams across executors, simulated or real (endpoint profiles over --tasks-from), or, with --replay, on imported real libraries; write the results and report.md",
  builder: (y) =>
    withFlags(
      y,
      flagsFromSchema(EvalOptionsSchema, EVAL_FLAGS),
      flagsFromSchema(ReportFlagsSchema, REPORT_FLAGS),
      flagsFromSchema(ReplayOptionsSchema, REPLAY_FLAGS),
    )
      .example(
        "$0 eval --curators models/main/curator.onnx --executors weak,mid,strong --out experiments/results/main",
        "a model against the references",
      )
      .example(
        "$0 eval --curators models/main,random --executors tiny,frontier --seeds 4,5 --out experiments/results/transfer",
        "unseen backbones, other seeds",
      )
      .example(
        "$0 eval --curators models/main,heuristic,none --executors qwen.json,mid --tasks-from jsonl:tasks.jsonl --tasks 30 --seeds 1 --streams 4 --out experiments/results/qwen",
        "on a real model (endpoint profile) and a simulated preset; --resume continues a killed run",
      )
      .example(
        "$0 eval --replay datasets/real/voyager --curators models/main/curator.onnx,heuristic,none --out experiments/results/replay",
        "on an imported real library",
      ),
  handler: async (args) => {
    if (args.replay !== undefined) return replayHandler(args);
    const options = evalOptionsFromArgs(args);
    const report = optionsFromFlags(ReportFlagsSchema, REPORT_FLAGS, args);
    prepareOutput(report.out, { command: "eval" });
    const onWarning = (m: string) => process.stderr.write(`eval: ${m}\n`);
    const results = await withProgressBar("eval", (onProgress) => evaluate(options, { onProgress, onWarning }));
    process.stderr.write("eval: writing report and plots\n");
    const { writeReport } = await import("../../eval/report.js"); // vega is loaded only when a report is written
    await writeDirAtomic(report.out, { command: "eval" }, (dir) =>
      writeReport(dir, results, { title: report.title, notes: [`Command: \`${commandLine()}\``] }),
    );
    finishScratch(options.scratch);
    emit(args, jsonSummary(results), humanSummary(results, report.out));
  },
};
