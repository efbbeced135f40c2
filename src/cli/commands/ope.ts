import { maxOf } from "../../util/arrays.js";
import type { CommandModule } from "yargs";
import { z } from "zod";
import { OpeOptionsSchema, offPolicyEvaluate, type OpeResults } from "../../ope/ope.js";
import { ESTIMATORS } from "../../ope/estimators.js";
import { prepareOutput, writeDirAtomic } from "../../util/atomic.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import { commaList, flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

const OpeReportFlagsSchema = z
  .object({
    out: z
      .string()
      .min(1)
      .optional()
      .describe("folder for results.json and report.md (new, empty, or an earlier ope output; replaced atomically)"),
    title: z.string().optional().describe("title of report.md"),
  })
  .strict();

/** Every offPolicyEvaluate() option is a flag; the schema gives type, default and description. */
export const OPE_FLAGS: FlagTable<typeof OpeOptionsSchema> = {
  data: { demand: true, example: "datasets/traces/main" },
  curators: { type: "string", parse: commaList, demand: true, example: "models/main,heuristic,none" },
  costWeight: {},
  bootstrap: {},
  seed: {},
  gamma: {},
  ridge: {},
};
export const OPE_REPORT_FLAGS: FlagTable<typeof OpeReportFlagsSchema> = { out: {}, title: {} };

function humanSummary(r: OpeResults, out: string | undefined): string {
  const head = ["curator", ...ESTIMATORS.map((e) => e.toUpperCase())];
  const rows = r.curators.map((c) => [c.curator, ...ESTIMATORS.map((e) => c.estimates[e].value.toFixed(4))]);
  const widths = head.map((h, i) =>
    maxOf(
      rows.map((x) => x[i].length),
      h.length,
    ),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [
    `Value per task on ${r.dataset.passes} logged passes (behaviour ${r.dataset.behavior.curator}: ${r.logged.value.toFixed(4)}):`,
    line(head),
    ...rows.map(line),
    ...(out ? ["", `Wrote ${out}: results.json, report.md.`] : []),
  ].join("\n");
}

export const opeCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "ope",
  describe:
    "off-policy evaluation: estimate curators' value on a logged dataset (IPS, SNIPS, DM, DR, FQE with bootstrap CIs)",
  builder: (y) =>
    withFlags(
      y,
      flagsFromSchema(OpeOptionsSchema, OPE_FLAGS),
      flagsFromSchema(OpeReportFlagsSchema, OPE_REPORT_FLAGS),
    ).example(
      "$0 ope --data datasets/traces/main --curators models/main,heuristic,none --out experiments/results/ope",
      "a model and two baselines",
    ),
  handler: async (args) => {
    const options = optionsFromFlags(OpeOptionsSchema, OPE_FLAGS, args);
    const report = optionsFromFlags(OpeReportFlagsSchema, OPE_REPORT_FLAGS, args);
    if (report.out) prepareOutput(report.out, { command: "ope" });
    const results = await withProgressBar("ope", (onProgress) => offPolicyEvaluate(options, { onProgress }));
    if (report.out) {
      const { writeOpeReport } = await import("../../ope/report.js");
      await writeDirAtomic(report.out, { command: "ope" }, async (dir) =>
        writeOpeReport(dir, results, { title: report.title, notes: [`Command: \`${commandLine()}\``] }),
      );
    }
    emit(args, results, humanSummary(results, report.out));
  },
};
