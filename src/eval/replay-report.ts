/**
 * The replay report: replay.json (the ReplayResults) and report.md (one section per source, a table per
 * question), plus the --json and human summaries of `curator eval --replay`. Numbers are shown as they are.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { ACTIONS } from "../actions.js";
import { mdTable } from "./markdown.js";
import {
  GOVERNANCE_MODES,
  type CuratorReplay,
  type LabelKey,
  type ReplayResults,
  type RetireTarget,
  type SourceReplay,
} from "./replay.js";
import type { AucScore, FlagScore } from "./stats.js";
import { CREDITED_MEANING, CREDITED_STATEMENT, LABEL_MEANING, METHOD, PROXY_STATEMENT } from "./replay-method.js";
import { pushAll } from "../util/arrays.js";

export interface ReplayReportOptions {
  title?: string;
  /** Extra lines under the title (e.g. the commands that produced the datasets and the run). */
  notes?: string[];
}

const modeName = (m: keyof typeof GOVERNANCE_MODES) =>
  m === "none" ? "no cap" : `${100 * GOVERNANCE_MODES[m].rules.maxChangeShare}% cap`;
const f2 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(2));
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x.toFixed(3));
const int = (x: number) => Math.round(x).toLocaleString("en-US");

const RETIRE_TARGETS: [RetireTarget, string][] = [
  ["removedLater", "removed later"],
  ["neverUsed", "never used"],
  ["any", "any"],
];

/** "precision / recall (flagged)" */
function flagCell(s: FlagScore): string {
  if (!s.labelled) return "no labels";
  return `${f2(s.precision)} / ${f2(s.recall)} (${s.flagged})`;
}

function baseCell(s: FlagScore): string {
  return s.labelled ? `${f2(s.baseRate)} of ${s.labelled}` : "no labels";
}

const SHORT_REASON: Record<string, string> = {
  "no labelled item": "no labels",
  "every labelled item is positive": "one class",
  "no labelled item is positive": "one class",
  "the curator gives every item the same probability": "constant",
};

const classes = (a: AucScore) => `${a.positives}+ / ${a.negatives}−`;

/** "0.612 [0.48, 0.74] (12+ / 80−)", or why there is none. */
export function aucCell(a: AucScore): string {
  if (a.auc === null)
    return `${a.reason?.startsWith("too few") ? "too few" : (SHORT_REASON[a.reason ?? ""] ?? a.reason)} (${classes(a)})`;
  return `${f3(a.auc)} [${f2(a.ci?.[0])}, ${f2(a.ci?.[1])}] (${classes(a)})`;
}

function pct(before: number, after: number): string {
  if (!before) return "";
  const d = (100 * (after - before)) / before;
  return ` (${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)}%)`;
}

function labelTable(s: SourceReplay, c: CuratorReplay): string[] {
  const rows = (Object.keys(c.labels) as LabelKey[]).map((k) => [
    k,
    LABEL_MEANING[s.format][k],
    ...c.labels[k].map(String),
  ]);
  return mdTable(["Label", "Meaning for this source", "true", "false", "unknown"], rows, 2);
}

function flagTable(s: SourceReplay): string[] {
  const first = s.curators[0].modes[0];
  const head = [
    "Curator",
    "Governance",
    ...RETIRE_TARGETS.map(([, n]) => `retire → ${n}`),
    "rewrite → rewritten later",
    "retire or rewrite → changed later",
  ];
  const base = [
    "base rate",
    "(labelled)",
    ...RETIRE_TARGETS.map(([k]) => baseCell(first.retire[k])),
    baseCell(first.rewrite),
    baseCell(first.change),
  ];
  const rows = s.curators.flatMap((c) =>
    c.modes.map((m) => [
      c.curator,
      modeName(m.governance),
      ...RETIRE_TARGETS.map(([k]) => flagCell(m.retire[k])),
      flagCell(m.rewrite),
      flagCell(m.change),
    ]),
  );
  return mdTable(head, [base, ...rows], 2);
}

function aucTable(s: SourceReplay): string[] {
  const head = [
    "Curator",
    ...RETIRE_TARGETS.map(([, n]) => `P(retire) vs ${n}`),
    "P(rewrite) vs rewritten later",
    "P(retire)+P(rewrite) vs changed later",
  ];
  const rows = s.curators.map((c) => [
    c.curator,
    ...RETIRE_TARGETS.map(([k]) => aucCell(c.auc.retire[k])),
    aucCell(c.auc.rewrite),
    aucCell(c.auc.change),
  ]);
  return mdTable(head, rows, 1);
}

function decisionTable(s: SourceReplay): string[] {
  const head = ["Curator", "Governance", ...ACTIONS, "capped", "final library items", "final library tokens"];
  const rows = s.curators.flatMap((c) =>
    c.modes.map((m) => [
      c.curator,
      modeName(m.governance),
      ...ACTIONS.map((a) => String(m.actions[a])),
      String(m.capped),
      `${int(m.library.items[0])} → ${int(m.library.items[1])}${pct(m.library.items[0], m.library.items[1])}`,
      `${int(m.library.tokens[0])} → ${int(m.library.tokens[1])}${pct(m.library.tokens[0], m.library.tokens[1])}`,
    ]),
  );
  return mdTable(head, rows, 2);
}

/** AUC of P(retire) vs any and of P(retire)+P(rewrite) vs changed later per library, for curators that rank (not constant). */
function libraryTable(s: SourceReplay): string[] {
  const ranking = s.curators.filter((c) =>
    c.byLibrary.some((l) => l.auc.retire.any.auc !== null || l.auc.change.auc !== null),
  );
  if (!ranking.length)
    return ["No library holds both classes of a label for a curator that ranks, so there is no AUC per library."];
  const head = [
    "Library",
    "scored",
    "any: positive / labelled",
    "changed later: positive / labelled",
    ...ranking.map((c) => `${c.curator} AUC any · changed`),
  ];
  const rows = s.curators[0].byLibrary.map((lib, i) => [
    lib.library,
    String(lib.scoredItems),
    `${lib.modes[0].retire.any.positives} / ${lib.modes[0].retire.any.labelled}`,
    `${lib.modes[0].change.positives} / ${lib.modes[0].change.labelled}`,
    ...ranking.map((c) => `${aucCell(c.byLibrary[i].auc.retire.any)} · ${aucCell(c.byLibrary[i].auc.change)}`),
  ]);
  return mdTable(head, rows, 2);
}

const SHIFT_ROWS = 8;

/** The features on which the replayed items differ most from a model's training data (a distribution-shift check). */
function shiftTable(s: SourceReplay): string[] {
  const withShift = s.curators.filter((c) => c.featureShift?.length);
  if (!withShift.length) return [];
  return withShift.flatMap((c) => [
    "### Distribution shift: where these items leave the training data",
    "",
    `Mean of each feature over the scored item versions (each in its decision state) against \`${c.curator}\`'s training ` +
      `normalisation (read from the graph); z = (replay mean − training mean) / training std. The ${SHIFT_ROWS} largest |z|:`,
    "",
    ...mdTable(
      ["Feature", "replay mean", "training mean", "training std", "z"],
      c
        .featureShift!.slice(0, SHIFT_ROWS)
        .map((f) => [f.feature, fmt(f.replayMean), fmt(f.trainMean), fmt(f.trainStd), f.z.toFixed(2)]),
      2,
    ),
    "",
  ]);
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3));

const pval = (p: number) => (p < 0.001 ? "< 0.001" : p.toFixed(3));
const acc = (right: number, n: number) => (n ? `${((100 * right) / n).toFixed(1)}%` : "–");

/** Run-level paired uplift (McNemar) and the noise floor between runs without memory. */
function comparisonTables(s: SourceReplay): string[] {
  const paired = s.comparisons.filter((c) => c.kind === "paired-uplift");
  const noise = s.comparisons.filter((c) => c.kind === "noise-floor");
  if (!paired.length && !noise.length) return [];
  const lines = ["### Paired uplift per run and the noise floor", ""];
  if (paired.length)
    pushAll(lines, [
      "With memory vs the same prompt without memory, over the tasks both scored: accuracy each, tasks only the memory run got right (helped), only the reference got right (hurt), McNemar's exact p.",
      "",
      ...mdTable(
        ["Memory run", "reference (same prompt, no memory)", "tasks", "with", "without", "helped", "hurt", "McNemar p"],
        paired.map((c) =>
          c.b === null
            ? [c.a, `none: ${c.note}`, "–", "–", "–", "–", "–", "–"]
            : [
                c.a,
                c.b,
                String(c.n),
                acc(c.both + c.aOnly, c.n),
                acc(c.both + c.bOnly, c.n),
                String(c.aOnly),
                String(c.bOnly),
                pval(c.mcnemarP),
              ],
        ),
        2,
      ),
      "",
    ]);
  if (noise.length)
    pushAll(lines, [
      "Noise floor: two runs without memory of the same model and tasks; disagreements = tasks exactly one of them got right. A memory run's helped + hurt within this range is indistinguishable from run-to-run variation.",
      "",
      ...mdTable(
        ["Run a", "run b", "tasks", "a right", "b right", "disagree", "share", "McNemar p", "note"],
        noise.map((c) => [
          c.a,
          c.b ?? "–",
          String(c.n),
          String(c.both + c.aOnly),
          String(c.both + c.bOnly),
          String(c.aOnly + c.bOnly),
          acc(c.aOnly + c.bOnly, c.n),
          pval(c.mcnemarP),
          c.note,
        ]),
        2,
      ),
      "",
    ]);
  return lines;
}

/** The credited-label tables: class counts, AUCs with CIs, and retire precision / recall per governance mode. */
function creditedSection(s: SourceReplay): string[] {
  const first = s.curators[0]?.credited;
  if (!first)
    return [
      "### Credited paired uplift",
      "",
      "No credited labels for this source: it logs no per-task usage marks together with a same-prompt run without memory, so only the proxies below are scored.",
      "",
    ];
  const [h, dw, hp] = [first.labels.harmful, first.labels.deadWeight, first.labels.helpful];
  return [
    "### Credited paired uplift",
    "",
    `${first.units} item lineages, each decided before the tasks that label it. harmful: ${h[0]} of ${first.units}; dead weight: ${dw[0]}; helpful: ${hp[0]}.`,
    "",
    ...mdTable(
      ["Label", "Meaning", "true", "false"],
      (["harmful", "helpful", "deadWeight"] as const).map((k) => [
        k,
        CREDITED_MEANING[k],
        String(first.labels[k][0]),
        String(first.labels[k][1]),
      ]),
      2,
    ),
    "",
    "AUC [95% CI] (positives / negatives), pass without change cap:",
    "",
    ...mdTable(
      [
        "Curator",
        "P(retire) vs harmful",
        "P(retire) vs dead weight",
        "P(retire) vs harmful or dead weight",
        "P(keep) vs helpful",
      ],
      s.curators.map((c) => [
        c.curator,
        aucCell(c.credited!.auc.harmful),
        aucCell(c.credited!.auc.deadWeight),
        aucCell(c.credited!.auc.harmfulOrDeadWeight),
        aucCell(c.credited!.auc.helpfulKeep),
      ]),
      1,
    ),
    "",
    "Retire decisions against the credited labels: precision / recall (items flagged).",
    "",
    ...mdTable(
      ["Curator", "Governance", "keep", "compress", "rewrite", "retire", "retire → harmful", "retire → dead weight"],
      s.curators.flatMap((c) =>
        c.credited!.modes.map((m) => [
          c.curator,
          modeName(m.governance),
          ...ACTIONS.map((a) => String(m.actions[a])),
          flagCell(m.retire.harmful),
          flagCell(m.retire.deadWeight),
        ]),
      ),
      2,
    ),
    "",
  ];
}

function section(s: SourceReplay): string[] {
  const c0 = s.curators[0];
  const lines = [
    `## ${s.format}`,
    "",
    `Dataset \`${s.dataset}\`, written by \`curator import ${s.format} ${s.source} --out ${s.dataset}\`: ${s.libraries.length} librar${s.libraries.length === 1 ? "y" : "ies"}, ` +
      `${s.states} decided state(s) (${s.reconstructedStates} reconstructed), ${c0.scoredItems} item versions scored; usage statistics ` +
      `${s.statsFromEvents ? "recomputed per state from the task events" : "as imported (no per-task item lists)"}. ` +
      `"any" combines: ${s.anyOf.length ? s.anyOf.join(", ") : "nothing (no retire label known)"}.`,
    "",
    ...creditedSection(s),
    ...comparisonTables(s),
    "### Proxy labels",
    "",
    ...labelTable(s, c0),
    "",
  ];
  const anyKnown = (Object.values(c0.labels) as number[][]).some(([t, f]) => t + f > 0);
  if (!anyKnown)
    return [
      ...lines,
      "No scored item has a known label, so there is nothing to score; the decisions and the final-library projection follow.",
      "",
      ...decisionTable(s),
      "",
    ];
  return [
    ...lines,
    "### Decisions against the labels: precision / recall (items flagged)",
    "",
    "Precision = flagged items that carry the label / items flagged; recall = labelled-positive items flagged / labelled-positive items. " +
      "– = undefined (nothing flagged, or no positive). The first row is the base rate: the precision random flagging would get.",
    "",
    ...flagTable(s),
    "",
    "### Ranking against the proxies: AUC [95% CI] (positives / negatives), pass without change cap",
    "",
    ...aucTable(s),
    "",
    "### Decisions and the final library",
    "",
    "Action counts over the scored item versions; capped = decisions whose retire/rewrite the change cap withheld. " +
      "Final library = every library's final state before → after the curator's pass.",
    "",
    ...decisionTable(s),
    "",
    "### By library",
    "",
    ...libraryTable(s),
    "",
    ...shiftTable(s),
  ];
}

export function replayMarkdown(results: ReplayResults, opts: ReplayReportOptions = {}): string {
  const c = results.config;
  const lines = [
    `# ${opts.title ?? "Replay evaluation on real agent libraries"}`,
    "",
    `Protocol **${c.protocol}** · curators ${c.curators.map((x) => `\`${x}\``).join(", ")} · executor **${c.executor}** · governance: ` +
      `${c.governance.map((g) => GOVERNANCE_MODES[g].describe).join("; ")} · seed ${c.seed} · compress ratio ${c.compressRatio}.`,
    ...(opts.notes ?? []).flatMap((n) => ["", n]),
    "",
    CREDITED_STATEMENT,
    "",
    PROXY_STATEMENT,
    "",
    "## How the decisions were made and scored",
    "",
    ...METHOD.map((m) => `- ${m}`),
    "",
  ];
  for (const s of results.sources) pushAll(lines, section(s));
  return lines.join("\n");
}

/** Writes replay.json and report.md into `dir` (an existing folder, normally a temp folder). */
export function writeReplayReport(
  dir: string,
  results: ReplayResults,
  opts: ReplayReportOptions = {},
): { json: string; report: string } {
  const json = join(dir, "replay.json");
  writeFileAtomic(json, `${JSON.stringify(results, null, 2)}\n`);
  const report = join(dir, "report.md");
  writeFileAtomic(report, `${replayMarkdown(results, opts).trimEnd()}\n`);
  return { json, report };
}

const brief = (s: FlagScore) => ({
  precision: s.precision,
  recall: s.recall,
  flagged: s.flagged,
  labelled: s.labelled,
  positives: s.positives,
});

/** The --json summary: per source and curator, the headline AUCs and, per governance mode, precision/recall and the final library. */
export function replayJsonSummary(results: ReplayResults, out: string): Record<string, unknown> {
  return {
    out,
    sources: results.sources.map((s) => ({
      format: s.format,
      dataset: s.dataset,
      protocol: results.config.protocol,
      scoredItems: s.curators[0]?.scoredItems ?? 0,
      comparisons: s.comparisons,
      curators: s.curators.map((c) => ({
        curator: c.curator,
        auc: { retireAny: c.auc.retire.any.auc, rewrite: c.auc.rewrite.auc, change: c.auc.change.auc },
        credited: c.credited && {
          units: c.credited.units,
          harmful: c.credited.auc.harmful,
          deadWeight: c.credited.auc.deadWeight,
          helpfulKeep: c.credited.auc.helpfulKeep,
        },
        modes: c.modes.map((m) => ({
          governance: m.governance,
          retireAny: brief(m.retire.any),
          rewrite: brief(m.rewrite),
          change: brief(m.change),
          library: m.library,
        })),
      })),
    })),
  };
}

export function replayHumanSummary(results: ReplayResults, out: string): string {
  const lines: string[] = [];
  for (const s of results.sources) {
    lines.push(`${s.format} (${s.curators[0]?.scoredItems ?? 0} item versions scored)`);
    for (const c of s.curators) {
      const modes = c.modes.map(
        (m) =>
          `${modeName(m.governance)}: retire P/R ${f2(m.retire.any.precision)}/${f2(m.retire.any.recall)}, rewrite P/R ${f2(m.rewrite.precision)}/${f2(m.rewrite.recall)}`,
      );
      lines.push(
        `  ${c.curator.padEnd(14)} AUC retire ${aucCell(c.auc.retire.any)}, rewrite ${aucCell(c.auc.rewrite)} · ${modes.join(" · ")}`,
      );
      if (c.credited)
        lines.push(
          `  ${"".padEnd(14)} credited (${c.credited.units} lineages): P(retire) vs harmful ${aucCell(c.credited.auc.harmful)}, vs dead weight ${aucCell(c.credited.auc.deadWeight)}`,
        );
    }
  }
  return [
    ...lines,
    "",
    `Wrote ${out}: replay.json, report.md (protocol ${results.config.protocol}; credited labels and proxies explained there).`,
  ].join("\n");
}
