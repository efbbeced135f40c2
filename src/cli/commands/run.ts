import type { CommandModule } from "yargs";
import { emit, progressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import { maxOf } from "../../util/arrays.js";
import { costPerCompletedText } from "../../util/money.js";

interface Args extends GlobalArgs {
  experiment: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export const runCommand: CommandModule<GlobalArgs, Args> = {
  command: "run <experiment>",
  describe: "run a whole experiment (collect → train → export → eval) from a JSON file in experiments/",
  builder: (y) =>
    y
      .positional("experiment", { type: "string", demandOption: true, describe: "experiment JSON file" })
      .example("curator run experiments/default.json", "collect, train, export and evaluate as the file says")
      .example("curator run experiments/randomized.json", "train on sampled executors and worlds"),
  handler: async (args) => {
    const { runExperiment } = await import("../../experiments/run.js");
    let bar: ReturnType<typeof progressBar> | null = null;
    const s = await runExperiment(args.experiment, {
      command: commandLine(),
      stage: (m) => {
        bar?.stop();
        bar = progressBar("  progress");
        process.stderr.write(`${m}\n`);
      },
      onProgress: (d, t, l) => bar?.onProgress(d, t, l),
    });
    (bar as ReturnType<typeof progressBar> | null)?.stop();
    const w = maxOf(
      s.results.map((r) => r.executor.length + 2),
      10,
    );
    const c = maxOf(
      s.results.map((r) => r.curator.length + 2),
      18,
    );
    const lines = [
      `Experiment ${s.experiment} done in ${s.seconds.toFixed(0)} s → ${s.out}/report.md`,
      "",
      `${"executor".padEnd(w)}${"curator".padEnd(c)}${"success".padStart(9)}${"$/completed".padStart(19)}${"oracle uplift".padStart(15)}`,
      ...s.results.map(
        (r) =>
          `${r.executor.padEnd(w)}${r.curator.padEnd(c)}${pct(r.successRate).padStart(9)}${costPerCompletedText(r.costPerCompletedTask).padStart(19)}${(r.oracleUpliftShare === null ? "—" : pct(r.oracleUpliftShare)).padStart(15)}`,
      ),
    ];
    emit(args, s, lines.join("\n"));
  },
};
