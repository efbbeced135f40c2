import type { CommandModule } from "yargs";
import { evaluate, type EvalOptions } from "../../eval/evaluate.js";
import type { EvalResults } from "../../eval/summarize.js";
import { writeDirAtomic } from "../../util/atomic.js";
import { CuratorError } from "../../errors.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import type { ReplayOptions } from "../../eval/replay.js";
import { maxOf } from "../../util/arrays.js";
import { costPerCompletedText } from "../../util/money.js";

export interface EvalArgs extends GlobalArgs {
  curators: string;
  executors?: string;
  world: string;
  streams: number;
  tasks: number;
  seeds: string;
  "cost-weight"?: number;
  bucket?: number;
  title?: string;
  out: string;
  replay?: string;
  executor?: string;
  governance?: string;
  seed?: number;
}

function list(flag: string, value: string | undefined, example: string): string[] {
  const items = (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new CuratorError("BAD_ARGUMENT", `--${flag} is empty. Name at least one, comma-separated, e.g. --${flag} ${example}.`);
  return items;
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined) throw new CuratorError("BAD_ARGUMENT", `--${flag} is required: the executors to simulate, e.g. --${flag} weak,mid,strong.`);
  return value;
}

function count(flag: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min)
    throw new CuratorError("BAD_ARGUMENT", `--${flag} must be an integer ≥ ${min}, got '${value}'.`);
  return value;
}

/**
 * Flags → evaluate() options, checked with messages that name the flag. --executors is required here because
 * every evaluation simulates executors; a replay mode (evaluating on recorded traces) would take its executors
 * from the dataset instead, so that check stays in this function rather than in the yargs builder.
 */
export function evalOptionsFromArgs(args: EvalArgs): EvalOptions {
  const seeds = list("seeds", args.seeds, "1,2,3").map((s) => {
    if (!/^\d+$/.test(s)) throw new CuratorError("BAD_ARGUMENT", `--seeds must be comma-separated non-negative integers, e.g. 1,2,3; got '${s}'.`);
    return Number(s);
  });
  if (new Set(seeds).size !== seeds.length) throw new CuratorError("BAD_ARGUMENT", `--seeds lists a seed twice: ${args.seeds}.`);
  if (args["cost-weight"] !== undefined && !(Number.isFinite(args["cost-weight"]) && args["cost-weight"] >= 0))
    throw new CuratorError("BAD_ARGUMENT", `--cost-weight must be a number ≥ 0, got '${args["cost-weight"]}'.`);
  return {
    curators: list("curators", args.curators, "heuristic,none"),
    executors: list("executors", required("executors", args.executors), "weak,mid,strong"),
    world: args.world,
    streams: count("streams", args.streams, 1),
    tasks: count("tasks", args.tasks, 1),
    seeds,
    costWeight: args["cost-weight"],
    bucket: count("bucket", args.bucket, 1),
  };
}

/**
 * Flags → replayEvaluate() options for `--replay DATASET[,DATASET…]`: curators as listed (no references added),
 * one executor (default mid), governance modes `default` (10% cap) and/or `none` (no cap), both by default.
 */
export function replayOptionsFromArgs(args: EvalArgs): ReplayOptions {
  if (args.executors !== undefined) throw new CuratorError("BAD_ARGUMENT", "--replay takes one --executor (default mid), not --executors.");
  const governance = list("governance", args.governance ?? "default,none", "default,none").map((g) => {
    if (g !== "default" && g !== "none") throw new CuratorError("BAD_ARGUMENT", `--governance takes default (10% change cap per pass) and/or none (no cap), got '${g}'.`);
    return g;
  });
  if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0)) throw new CuratorError("BAD_ARGUMENT", `--seed must be an integer ≥ 0, got '${args.seed}'.`);
  return {
    datasets: list("replay", args.replay, "imports/voyager,imports/dc"),
    curators: list("curators", args.curators, "models/default/curator.onnx,heuristic,random,none"),
    executor: args.executor ?? "mid",
    governance: [...new Set(governance)],
    seed: args.seed ?? 0,
  };
}

async function replayHandler(args: EvalArgs): Promise<void> {
  const { replayEvaluate } = await import("../../eval/replay.js");
  const { writeReplayReport, replayJsonSummary, replayHumanSummary } = await import("../../eval/replay-report.js");
  const options = replayOptionsFromArgs(args);
  const results = await withProgressBar("replay", (onProgress) => replayEvaluate(options, { onProgress }));
  await writeDirAtomic(args.out, async (dir) => writeReplayReport(dir, results, { title: args.title, notes: [`Command: \`${commandLine()}\``] }));
  emit(args, replayJsonSummary(results, args.out), replayHumanSummary(results, args.out));
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
    r.oracleUpliftShare === null ? "n/a" : `${(100 * r.oracleUpliftShare).toFixed(1)}%${r.heldOut ? " (held out)" : ""}`,
  ]);
  const widths = head.map((h, i) => maxOf(rows.map((r) => r[i].length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(head), ...rows.map(line), "", `Wrote ${out}: results.json, report.md, plots/.`].join("\n");
}

export const evalCommand: CommandModule<GlobalArgs, EvalArgs> = {
  command: "eval",
  describe: "evaluate curators on the same simulated streams across executors (or, with --replay, on imported real libraries); write the results and report.md",
  builder: (y) =>
    y
      .option("curators", { type: "string", demandOption: true, describe: "comma-separated: none, random, heuristic, oracle or .onnx files (none, heuristic and oracle are always added as references)" })
      .option("executors", { type: "string", describe: "comma-separated presets (weak, mid, strong, …) or profile JSON files" })
      .option("world", { type: "string", default: "default", describe: "world preset (default, fast-drift, shared, tiny) or JSON file" })
      .option("streams", { type: "number", default: 8, describe: "evaluation streams per seed" })
      .option("tasks", { type: "number", default: 200, describe: "tasks per stream" })
      .option("seeds", { type: "string", default: "1,2,3", describe: "comma-separated evaluation seeds (streams are disjoint from training streams)" })
      .option("cost-weight", { type: "number", describe: "λ in reward = successes − λ × cost (USD), used by the oracle (default 10)" })
      .option("bucket", { type: "number", describe: "tasks per point in the over-the-stream plots (default 20)" })
      .option("title", { type: "string", describe: "title of report.md" })
      .option("out", { type: "string", demandOption: true, describe: "folder for results.json, report.md and plots/ (replaced atomically)" })
      .option("replay", { type: "string", describe: "score curators on `curator import` outputs (comma-separated folders) against their replay labels; writes replay.json and report.md" })
      .option("executor", { type: "string", describe: "with --replay: the executor preset or profile file the libraries serve (default mid)" })
      .option("governance", { type: "string", describe: "with --replay: default (10% change cap per pass), none (no cap), or both comma-separated (default both)" })
      .option("seed", { type: "number", describe: "with --replay: seed of sampling curators such as random (default 0)" }),
  handler: async (args) => {
    if (args.replay !== undefined) return replayHandler(args);
    const options = evalOptionsFromArgs(args);
    const results = await withProgressBar("eval", (onProgress) => evaluate(options, { onProgress }));
    process.stderr.write("eval: writing report and plots\n");
    const { writeReport } = await import("../../eval/report.js"); // vega is loaded only when a report is written
    await writeDirAtomic(args.out, (dir) => writeReport(dir, results, { title: args.title, notes: [`Command: \`${commandLine()}\``] }));
    emit(args, jsonSummary(results), humanSummary(results, args.out));
  },
};
