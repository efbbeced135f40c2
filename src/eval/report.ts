/**
 * The evaluation report: results.json (the EvalResults), report.md (tables a person reads in a minute) and
 * plots/*.svg + plots/*.png. Numbers are stated as they are: a curator below a baseline is shown below it.
 */
import { join } from "node:path";
import { ACTIONS } from "../actions.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { EvalResults, ResultRow } from "./summarize.js";
import { chartSpecs, crossBackboneGrid, executorOrder, type ChartDef } from "./plots.js";
import { renderChart } from "./render.js";
import { mdTable as table } from "./markdown.js";
import { pushAll } from "../util/arrays.js";
import { costPerCompletedText } from "../util/money.js";
import { BASELINE_NAMES } from "../curators/registry.js";

export interface ReportOptions {
  title?: string;
  /** Extra lines shown under the title (e.g. the command that produced the run). */
  notes?: string[];
}

export interface ReportFiles {
  results: string;
  report: string;
  plots: string[];
}

/** Writes results.json, report.md and plots/ into `dir` (an existing folder, normally a temp folder). */
export async function writeReport(dir: string, results: EvalResults, opts: ReportOptions = {}): Promise<ReportFiles> {
  const resultsPath = join(dir, "results.json");
  writeFileAtomic(resultsPath, `${resultsJson(results)}\n`);
  const full = results;
  results = withoutDraws(results);
  const charts = chartSpecs(results);
  const plots: string[] = [];
  for (const c of charts) {
    const { svg, png } = await renderChart(c.spec);
    for (const [ext, data] of [
      ["svg", svg],
      ["png", png],
    ] as const) {
      const path = join(dir, "plots", `${c.name}.${ext}`);
      writeFileAtomic(path, data);
      plots.push(path);
    }
  }
  const reportPath = join(dir, "report.md");
  writeFileAtomic(reportPath, reportMarkdown(results, charts, opts, drawsTable(full)));
  return { results: resultsPath, report: reportPath, plots };
}

/** The results with the single draws of sampled executors left out (their pooled rows stay): what tables and plots show. */
function withoutDraws(results: EvalResults): EvalResults {
  const draws = new Set(results.results.filter((r) => r.drawOf !== undefined).map((r) => r.executor));
  if (!draws.size) return results;
  return {
    ...results,
    results: results.results.filter((r) => !draws.has(r.executor)),
    series: results.series.filter((p) => !draws.has(p.executor)),
  };
}

/** Sampled executors: one line per draw, every curator's success · $ per completed task · oracle uplift share. */
function drawsTable(results: EvalResults): string[] {
  const drawRows = results.results.filter((r) => r.drawOf !== undefined);
  if (!drawRows.length) return [];
  const names = results.curators.map((c) => c.name);
  const lines = [
    "## Sampled executors, draw by draw",
    "",
    "Each cell: success · $ per completed task · oracle uplift share. The pooled row of each sample spec is in the tables above; results.json holds every draw in full.",
    "",
  ];
  const byDraw = [...new Set(drawRows.map((r) => r.executor))];
  const rows = byDraw.map((e) => [
    e,
    ...names.map((n) => {
      const r = find(results, n, e);
      return r
        ? `${pct(r.successRate)} · ${usd(r.costPerCompletedTask)} · ${r.oracleUpliftShare === null ? "n/a" : pct(r.oracleUpliftShare)}`
        : "";
    }),
  ]);
  return [...lines, ...table(["Draw", ...names], rows), ""];
}

/** EvalResults as pretty JSON; non-finite numbers (e.g. cost per completed task with no completions) become null. */
export function resultsJson(results: EvalResults): string {
  return JSON.stringify(results, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}

const BASELINES = new Set<string>(BASELINE_NAMES);
const SIGNIFICANT = 0.05;

const pct = (x: number | null) => (x !== null && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
const pctCI = (ci: [number, number]) => `[${(100 * ci[0]).toFixed(1)}, ${(100 * ci[1]).toFixed(1)}]`;
const usd = costPerCompletedText;
const usdCI = (ci: [number, number]) => (ci.every(Number.isFinite) ? `[${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]` : "");
const signed = (x: number, digits: number, unit = "") => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(digits)}${unit}`;
const pValue = (p: number) => (p < 0.001 ? "<0.001" : p.toFixed(3));
const round = (x: number) => Math.round(x).toLocaleString("en-US");

function find(results: EvalResults, curator: string, executor: string): ResultRow | undefined {
  return results.results.find((r) => r.curator === curator && r.executor === executor);
}

function upliftCell(r: ResultRow): string {
  if (r.oracleUpliftShare === null) return "n/a";
  return `${pct(r.oracleUpliftShare)}${r.oracleUpliftShareCI ? ` ${pctCI(r.oracleUpliftShareCI)}` : ""}`;
}

/** "+2.5 pp (p = 0.031)" with an explicit "below" when the curator trails the reference. */
function versus(r: ResultRow, against: string): string {
  const t = r.paired.find((p) => p.against === against);
  if (!t) return r.curator === against ? "(reference)" : "n/a";
  const sig = t.successP < SIGNIFICANT ? "" : ", n.s.";
  const side = Math.abs(t.successDiff) < 1e-12 ? "tie" : t.successDiff > 0 ? "above" : "**below**";
  return `${signed(100 * t.successDiff, 1, " pp")} ${side} (p = ${pValue(t.successP)}${sig})`;
}

function header(results: EvalResults, opts: ReportOptions): string[] {
  const c = results.config as Record<string, unknown>;
  const seeds = (c.seeds as number[] | undefined) ?? [];
  const streams = Number(c.streams ?? 0);
  const lines = [`# ${opts.title ?? "Curator evaluation"}`, ""];
  lines.push(
    `World **${String(c.world ?? "?")}** · executors ${executorOrder(results).join(", ")} · ` +
      `${seeds.length} seed(s) × ${streams} stream(s) = ${seeds.length * streams} evaluation streams of ${String(c.tasks ?? "?")} tasks ` +
      `per curator × executor · evaluation seeds ${seeds.join(", ")} · cost weight λ = ${String(c.costWeight ?? "?")}.`,
  );
  const configNotes = Array.isArray(c.notes) ? c.notes.map(String) : [];
  for (const n of [...configNotes, ...(opts.notes ?? [])]) lines.push("", `- ${n}`);
  return [...lines, ""];
}

function howToRead(): string[] {
  return [
    "## How to read this",
    "",
    "Every curator ran on the same evaluation streams (same seeds, same tasks, same authoring draws), so differences " +
      "between curators are paired comparisons. The unit of the 95% confidence intervals is one evaluation stream " +
      "(percentile bootstrap over streams), not one task; the p-values come from a paired sign-flip test over the " +
      "same streams. Evaluation stream seeds are drawn from a domain disjoint from every training stream (checked " +
      "against each model card). **Oracle uplift share** = (curator − none) / (oracle − none) on success rate: 0% " +
      "means no better than never curating, 100% means as good as the oracle that sees the hidden truth; it is " +
      "n/a when the oracle does not beat `none` on that executor. **Cost per completed task** is all task and " +
      "curation spend (USD) divided by tasks solved. **Stale-hit** is the share of tasks whose context held an " +
      "outdated item for the task's family; **contamination-follow** the share of tasks where the executor followed " +
      "a wrong item. Final library is the live library at the end of the stream (mean over streams).",
    "",
  ];
}

function summary(results: EvalResults): string[] {
  const names = results.curators.map((c) => c.name);
  const candidates = names.filter((n) => !BASELINES.has(n));
  const focus = candidates.length ? candidates : names.includes("heuristic") ? ["heuristic"] : [];
  const lines = ["## Summary", ""];
  for (const name of focus) {
    const against = name === "heuristic" ? "none" : "heuristic";
    for (const e of executorOrder(results)) {
      const r = find(results, name, e);
      const ref = find(results, against, e);
      if (!r || !ref) continue;
      const cheaper =
        r.costPerCompletedTask < ref.costPerCompletedTask
          ? "cheaper"
          : r.costPerCompletedTask > ref.costPerCompletedTask
            ? "**costlier**"
            : "same cost";
      const costP = r.paired.find((t) => t.against === against)?.costP;
      lines.push(
        `- **${name}** on **${e}**: success ${pct(r.successRate)} vs ${against} ${pct(ref.successRate)}, ${versus(r, against)}; ` +
          `${usd(r.costPerCompletedTask)} vs ${usd(ref.costPerCompletedTask)} per completed task (${cheaper}${costP === undefined ? "" : `, p = ${pValue(costP)}`}); ` +
          `oracle uplift share ${r.oracleUpliftShare === null ? "n/a" : pct(r.oracleUpliftShare)}` +
          `${r.heldOut ? " (held-out backbone)" : ""}.`,
      );
    }
  }
  if (lines.length === 2) lines.push("No curator besides the baselines was evaluated.");
  return [...lines, ""];
}

/** One table: every curator (rows) on every backbone (columns), success and cost per completed task. */
function overview(results: EvalResults): string[] {
  const executors = executorOrder(results);
  const rows = results.curators.map((c) => [
    c.name,
    ...executors.map((e) => {
      const r = find(results, c.name, e);
      return r ? `${pct(r.successRate)} · ${usd(r.costPerCompletedTask)}` : "";
    }),
  ]);
  return [
    "## Every curator on every backbone",
    "",
    "Success rate · $ per completed task (means over the evaluation streams; CIs in the per-executor tables below).",
    "",
    ...table(["Curator", ...executors], rows),
    "",
  ];
}

function headline(results: EvalResults): string[] {
  const lines = ["## Results by executor", ""];
  for (const e of executorOrder(results)) {
    lines.push(`### ${e}`, "");
    const rows = results.results
      .filter((r) => r.executor === e)
      .map((r) => [
        `${r.curator}${r.heldOut ? " †" : ""}`,
        `${pct(r.successRate)} ${pctCI(r.successRateCI)}`,
        `${usd(r.costPerCompletedTask)} ${usdCI(r.costPerCompletedTaskCI)}`,
        upliftCell(r),
        r.curator === "heuristic" ? "(reference)" : versus(r, "heuristic"),
        pct(r.staleHitRate),
        pct(r.contaminationFollowRate),
        `${round(r.tokensPerTask)} · ${pct(r.cacheReadShare ?? null)}`,
        `${r.finalLibrarySize.toFixed(1)} / ${round(r.finalLibraryTokens)}`,
      ]);
    pushAll(
      lines,
      table(
        [
          "Curator",
          "Success [95% CI]",
          "$ / completed task [95% CI]",
          "Oracle uplift share [95% CI]",
          "Success vs heuristic",
          "Stale-hit",
          "Contamination-follow",
          "Tokens / task · cache-read share",
          "Final library (items / tokens)",
        ],
        rows,
      ),
    );
    lines.push("");
  }
  if (results.results.some((r) => r.heldOut))
    lines.push("† evaluated on a backbone the curator was not trained on.", "");
  return lines;
}

function pairedTests(results: EvalResults): string[] {
  // `none` vs heuristic mirrors heuristic vs none; list each comparison once.
  const rows = results.results
    .filter((r) => r.curator !== "none")
    .flatMap((r) =>
      r.paired.map((t) => [
        r.executor,
        r.curator,
        t.against,
        signed(100 * t.successDiff, 1, " pp"),
        pValue(t.successP),
        Number.isFinite(t.costDiff) ? signed(t.costDiff, 4).replace(/^([+-])/, "$1$") : "n/a",
        pValue(t.costP),
      ]),
    );
  return [
    "## Paired tests against `none` and `heuristic`",
    "",
    "Δ = curator − reference, mean over paired evaluation streams (cost: per-stream cost per completed task). " +
      `Two-sided sign-flip permutation p-values; p ≥ ${SIGNIFICANT} means the streams do not separate the two.`,
    "",
    ...table(["Executor", "Curator", "vs", "Δ success", "p", "Δ $ / completed task", "p"], rows, 3),
    "",
  ];
}

function actionMix(results: EvalResults): string[] {
  const executors = executorOrder(results);
  const rows = executors.flatMap((e) =>
    results.results
      .filter((r) => r.executor === e)
      .map((r) => [e, r.curator, ...ACTIONS.map((a) => pct(r.actionMix[a])), round(r.decisions)]),
  );
  const lines = [
    "## Action mix",
    "",
    "Share of curation decisions per action. AdaCoM found that strong executors want fidelity (keep / rewrite) and " +
      "weak ones want aggressive compression; the compress share per executor shows whether a curator adapts.",
    "",
    ...table(["Executor", "Curator", ...ACTIONS, "Decisions"], rows, 2),
    "",
  ];
  for (const c of results.curators) {
    const mine = executors.map((e) => find(results, c.name, e)).filter((r): r is ResultRow => !!r && r.decisions > 0);
    if (mine.length < 2 || mine.every((r) => r.actionMix.keep === 1)) continue;
    lines.push(
      `- **${c.name}** compress share: ${mine.map((r) => `${r.executor} ${pct(r.actionMix.compress)}`).join(" → ")}`,
    );
  }
  return [...lines, ""];
}

function grid(results: EvalResults): string[] {
  const g = crossBackboneGrid(results);
  const lines = ["## Cross-backbone transfer", ""];
  if (!g.rows.length)
    return [
      ...lines,
      "No learned curator with a model card listing its training executors was evaluated, so there is no trained-on → evaluated-on grid.",
      "",
    ];
  const rows = g.rows.map((name) => [
    name,
    ...g.executors.map((e) => {
      const c = g.cells.find((x) => x.row === name && x.executor === e);
      if (!c) return "";
      return `${c.share === null ? "n/a" : pct(c.share)}${c.heldOut ? " †" : ""}`;
    }),
  ]);
  return [
    ...lines,
    "Share of oracle uplift captured on each evaluated executor (columns) by a curator trained on the executors in its row. † = held-out backbone.",
    "",
    ...table(["Trained on \\ evaluated on", ...g.executors], rows),
    "",
  ];
}

function plotLinks(charts: ChartDef[]): string[] {
  const lines = ["## Plots", ""];
  for (const c of charts)
    lines.push(`### ${c.title}`, "", `![${c.title}](plots/${c.name}.png)`, "", `[SVG](plots/${c.name}.svg)`, "");
  return lines;
}

/** The report as Markdown; `charts` are the plots written beside it; `draws` the table of sampled executors' draws. */
export function reportMarkdown(
  results: EvalResults,
  charts: ChartDef[],
  opts: ReportOptions = {},
  draws: string[] = [],
): string {
  return [
    ...header(results, opts),
    ...summary(results),
    ...overview(results),
    ...headline(results),
    ...pairedTests(results),
    ...actionMix(results),
    ...grid(results),
    ...draws,
    ...howToRead(),
    ...plotLinks(charts),
  ].join("\n");
}
