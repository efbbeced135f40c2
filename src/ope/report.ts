/**
 * The off-policy evaluation report: results.json (OpeResults) and report.md (one table per curator a person
 * reads in a minute, the estimand and the diagnostics that say how far to trust each estimator).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { mdTable } from "../eval/markdown.js";
import { ESTIMATORS } from "./estimators.js";
import type { Estimate, OpeResults } from "./ope.js";

export interface OpeReportOptions {
  title?: string;
  notes?: string[];
}

/** OpeResults as pretty JSON; non-finite numbers become null. */
export function opeResultsJson(r: OpeResults): string {
  return JSON.stringify(r, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}

const num = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "n/a");
const cell = (e: Estimate) => `${num(e.value)}${e.ci ? ` [${num(e.ci[0])}, ${num(e.ci[1])}]` : ""}`;
const LABEL = { ips: "IPS", snips: "SNIPS", dm: "DM", dr: "DR", fqe: "FQE" } as const;

export function opeMarkdown(r: OpeResults, opts: OpeReportOptions = {}): string {
  const o = r.options;
  const lines = [
    `# ${opts.title ?? "Off-policy evaluation"}`,
    "",
    ...(opts.notes ?? []).flatMap((n) => [n, ""]),
    `Dataset \`${r.dataset.path}\` (hash ${r.dataset.hash.slice(0, 12)}): ${r.dataset.decisions} decisions in ${r.dataset.passes} passes ` +
      `over ${r.dataset.streams} streams, logged by \`${r.dataset.behavior.curator}\` with epsilon ${r.dataset.behavior.epsilon}.`,
    "",
    `Estimand: ${r.estimand} (λ = ${o.costWeight} per USD). The behaviour's own value on these passes: ${cell(r.logged)}.`,
    "",
    `95% CIs: percentile bootstrap over streams, ${o.bootstrap} resamples, seed ${o.seed}. FQE γ = ${o.gamma}, ridge ${o.ridge}.`,
    "",
    "## Estimates",
    "",
    ...mdTable(
      ["curator", ...ESTIMATORS.map((e) => LABEL[e])],
      r.curators.map((c) => [c.curator, ...ESTIMATORS.map((e) => cell(c.estimates[e]))]),
    ),
    "",
    "## Diagnostics",
    "",
    "Match: share of logged decisions where the curator would take the logged action. ESS: Kish effective sample size of the " +
      "per-decision importance weights (a small share means IPS and SNIPS rest on few decisions; prefer DR, and check DM against it).",
    "",
    ...mdTable(
      ["curator", "match", "ESS", "ESS share", "max weight", "mean weight"],
      r.curators.map((c) => {
        const d = c.diagnostics;
        return [
          c.curator,
          `${(100 * d.matchShare).toFixed(1)}%`,
          d.effectiveSampleSize.toFixed(0),
          `${(100 * d.effectiveShare).toFixed(1)}%`,
          d.maxWeight.toFixed(2),
          d.meanWeight.toFixed(3),
        ];
      }),
    ),
    "",
    "Assumptions: IPS, SNIPS and DR treat a pass's reward as additive over its items (the slate pseudo-inverse weight); DM, " +
      "DR and FQE use a linear reward model per action; all but FQE value the curator on the library states the behaviour " +
      "visited. Validation on the simulator: docs/ope.md.",
    "",
  ];
  return lines.join("\n");
}

/** Writes results.json and report.md into `dir` (normally writeDirAtomic's temp folder). */
export function writeOpeReport(
  dir: string,
  r: OpeResults,
  opts: OpeReportOptions = {},
): { results: string; report: string } {
  const results = join(dir, "results.json");
  const report = join(dir, "report.md");
  writeFileAtomic(results, `${opeResultsJson(r)}\n`);
  writeFileAtomic(report, opeMarkdown(r, opts));
  return { results, report };
}
