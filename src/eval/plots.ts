/**
 * The evaluation charts as vega-lite specs, built from EvalResults alone. One colour per curator, the same in
 * every chart (reference baselines have fixed colours so they read alike across experiments).
 */
import type { TopLevelSpec } from "vega-lite";
import { ACTIONS } from "../actions.js";
import type { EvalResults } from "./summarize.js";
import { CHART_CONFIG } from "./render.js";

export interface ChartDef {
  /** File stem under plots/: `<name>.svg` and `<name>.png`. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const REFERENCE_COLORS: Record<string, string> = {
  none: "#9e9e9e",
  random: "#c49c5e",
  heuristic: "#f28e2b",
  oracle: "#333333",
};
const MODEL_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#17becf", "#e377c2", "#8c564b", "#bcbd22"];
const ACTION_COLORS: Record<(typeof ACTIONS)[number], string> = {
  keep: "#c9c9c9",
  compress: "#4e79a7",
  rewrite: "#59a14f",
  retire: "#e15759",
};

/** Curator names in report order (as evaluated) and their colours. */
export function curatorPalette(results: EvalResults): { domain: string[]; range: string[] } {
  const domain = results.curators.map((c) => c.name);
  let next = 0;
  const range = domain.map((n) => REFERENCE_COLORS[n] ?? MODEL_COLORS[next++ % MODEL_COLORS.length]);
  return { domain, range };
}

/** Executors in the order they were evaluated. */
export function executorOrder(results: EvalResults): string[] {
  return [...new Set(results.results.map((r) => r.executor))];
}

export interface GridCell {
  row: string;
  curator: string;
  executor: string;
  share: number | null;
  heldOut: boolean;
}

/** Training executors for a label: the draws of a sample spec (sample1-000 … sample1-063) collapse to "64 draws of sample@seed=1". */
export function trainedOnLabel(names: readonly string[]): string {
  const drawn = new Map<string, number>();
  const named: string[] = [];
  for (const n of names) {
    const m = /^(sample|holdout)(\d+)-\d{3,}$/.exec(n);
    if (!m) {
      named.push(n);
      continue;
    }
    const spec = `${m[1] === "sample" ? "sample" : "sample:holdout"}@seed=${m[2]}`;
    drawn.set(spec, (drawn.get(spec) ?? 0) + 1);
  }
  return [...named, ...[...drawn].map(([spec, k]) => `${k} draws of ${spec}`)].join("+");
}

/** Cross-backbone grid: one row per learned curator with known training executors, one column per executor. */
export function crossBackboneGrid(results: EvalResults): { rows: string[]; executors: string[]; cells: GridCell[] } {
  const trained = results.curators.filter((c) => c.trainedOn && c.trainedOn.length > 0);
  const base = trained.map((c) => `trained on ${trainedOnLabel(c.trainedOn!)}`);
  const rows = trained.map((c, i) =>
    base.filter((b) => b === base[i]).length > 1 ? `${base[i]} (${c.name})` : base[i],
  );
  const executors = executorOrder(results);
  const cells: GridCell[] = [];
  trained.forEach((c, i) => {
    for (const r of results.results)
      if (r.curator === c.name)
        cells.push({
          row: rows[i],
          curator: c.name,
          executor: r.executor,
          share: r.oracleUpliftShare,
          heldOut: r.heldOut === true,
        });
  });
  return { rows, executors, cells };
}

const finite = (x: number) => Number.isFinite(x);

function facetColumns(n: number): number {
  return Math.min(n, 3);
}

function overStream(
  results: EvalResults,
  field: "successRate" | "librarySize",
  name: string,
  title: string,
  yTitle: string,
): ChartDef {
  const color = curatorPalette(results);
  const executors = executorOrder(results);
  const bucket = Number(results.config.bucket ?? 20);
  const streams = results.results[0]?.streams ?? 0;
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: `Mean over ${streams} evaluation streams per curator × executor; one point per ${bucket}-task window`,
    },
    config: CHART_CONFIG,
    data: { values: results.series },
    columns: facetColumns(executors.length),
    facet: { field: "executor", type: "nominal", sort: executors, title: "Executor" },
    spec: {
      width: 280,
      height: 190,
      mark: { type: "line", point: { size: 28 }, strokeWidth: 2 },
      encoding: {
        x: { field: "step", type: "quantitative", title: "Tasks into the stream (end of window)" },
        y: {
          field,
          type: "quantitative",
          title: yTitle,
          ...(field === "successRate"
            ? { axis: { format: ".0%" }, scale: { domain: [0, 1] } }
            : { scale: { zero: true } }),
        },
        color: { field: "curator", type: "nominal", title: "Curator", scale: color, sort: color.domain },
      },
    },
  };
  return { name, title, spec: spec as TopLevelSpec };
}

function costChart(results: EvalResults): ChartDef {
  const color = curatorPalette(results);
  const executors = executorOrder(results);
  const values = results.results
    .filter((r) => finite(r.costPerCompletedTask))
    .map((r) => ({
      curator: r.curator,
      executor: r.executor,
      cost: r.costPerCompletedTask,
      lo: finite(r.costPerCompletedTaskCI[0]) ? r.costPerCompletedTaskCI[0] : r.costPerCompletedTask,
      hi: finite(r.costPerCompletedTaskCI[1]) ? r.costPerCompletedTaskCI[1] : r.costPerCompletedTask,
    }));
  const title = "Cost per completed task";
  const x = { field: "executor", type: "nominal", sort: executors, title: "Executor", axis: { labelAngle: 0 } };
  const xOffset = { field: "curator", type: "nominal", sort: color.domain };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        "Total task + curation cost ÷ completed tasks (lower is better)",
        "Error bars: 95% bootstrap CI over evaluation streams",
      ],
    },
    config: CHART_CONFIG,
    width: Math.max(320, executors.length * (24 * color.domain.length + 30)),
    height: 240,
    data: { values },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset,
          y: { field: "cost", type: "quantitative", title: "Cost per completed task (USD)", axis: { format: "$.3f" } },
          color: { field: "curator", type: "nominal", title: "Curator", scale: color, sort: color.domain },
        },
      },
      {
        mark: { type: "rule", color: "black", strokeWidth: 1.2 },
        encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
    ],
  };
  return { name: "cost-per-completed-task", title, spec: spec as TopLevelSpec };
}

function actionMixChart(results: EvalResults): ChartDef {
  const color = curatorPalette(results);
  const executors = executorOrder(results);
  const values = results.results.flatMap((r) =>
    ACTIONS.map((a, order) => ({
      curator: r.curator,
      executor: r.executor,
      action: a,
      order,
      share: r.actionMix[a],
      decisions: r.decisions,
    })),
  );
  const title = "Action mix per executor";
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        "Share of curation decisions per action, per curator and executor",
        "AdaCoM's question: more compress for weak executors, more keep / rewrite for strong ones?",
      ],
    },
    config: CHART_CONFIG,
    data: { values },
    columns: Math.min(color.domain.length, 6),
    facet: { field: "curator", type: "nominal", sort: color.domain, title: "Curator" },
    spec: {
      width: Math.max(90, 45 * executors.length),
      height: 200,
      mark: { type: "bar" },
      encoding: {
        x: { field: "executor", type: "nominal", sort: executors, title: "Executor", axis: { labelAngle: 0 } },
        y: {
          field: "share",
          type: "quantitative",
          stack: "normalize",
          title: "Share of decisions (%)",
          axis: { format: ".0%" },
        },
        color: {
          field: "action",
          type: "nominal",
          title: "Action",
          sort: [...ACTIONS],
          scale: { domain: [...ACTIONS], range: ACTIONS.map((a) => ACTION_COLORS[a]) },
        },
        order: { field: "order", type: "quantitative" },
      },
    },
  };
  return { name: "action-mix", title, spec: spec as TopLevelSpec };
}

function gridChart(results: EvalResults): ChartDef | undefined {
  const grid = crossBackboneGrid(results);
  if (grid.rows.length === 0) return undefined;
  const values = grid.cells.map((c) => ({
    ...c,
    label: `${c.share === null ? "n/a" : `${(100 * c.share).toFixed(0)}%`}${c.heldOut ? " *" : ""}`,
  }));
  const title = "Cross-backbone transfer";
  const x = {
    field: "executor",
    type: "nominal",
    sort: grid.executors,
    title: "Evaluated on (executor)",
    axis: { labelAngle: 0, orient: "top" },
  };
  const y = { field: "row", type: "nominal", sort: grid.rows, title: null };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        "Cell: share of oracle uplift captured, (curator − none) / (oracle − none) on success rate",
        "* = held-out backbone (not among the training executors)",
      ],
    },
    config: CHART_CONFIG,
    width: Math.max(200, 90 * grid.executors.length),
    height: Math.max(60, 46 * grid.rows.length),
    data: { values },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: {
            field: "share",
            type: "quantitative",
            title: "Uplift share",
            scale: { scheme: "greens", domain: [0, 1], clamp: true },
            legend: { format: ".0%" },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 13, fontWeight: "bold" },
        encoding: {
          x,
          y,
          text: { field: "label" },
          color: { condition: { test: "datum.share !== null && datum.share > 0.6", value: "white" }, value: "black" },
        },
      },
    ],
  };
  return { name: "cross-backbone", title, spec: spec as TopLevelSpec };
}

/** Every chart the report shows, in reading order; the cross-backbone grid only when a learned curator says what it was trained on. */
export function chartSpecs(results: EvalResults): ChartDef[] {
  const charts: (ChartDef | undefined)[] = [
    overStream(results, "successRate", "success-over-stream", "Success rate over the stream", "Success rate (%)"),
    costChart(results),
    overStream(results, "librarySize", "library-size", "Library size over the stream", "Live library size (items)"),
    actionMixChart(results),
    gridChart(results),
  ];
  return charts.filter((c): c is ChartDef => c !== undefined);
}
