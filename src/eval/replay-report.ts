/**
 * The replay report: replay.json (the ReplayResults) and report.md (one section per source, a table per
 * question), plus the --json and human summaries of `curator eval --replay`. Numbers are shown as they are.
 */
import { join } from "node:path";
import type { ImportFormat } from "../import/types.js";
import { writeFileAtomic } from "../util/atomic.js";
import { ACTIONS } from "../actions.js";
import { mdTable } from "./markdown.js";
import { GOVERNANCE_MODES, type AucScore, type CuratorReplay, type FlagScore, type LabelKey, type ReplayResults, type RetireTarget, type SourceReplay } from "./replay.js";
import { pushAll } from "../util/arrays.js";

export interface ReplayReportOptions {
  title?: string;
  /** Extra lines under the title (e.g. the commands that produced the datasets and the run). */
  notes?: string[];
}

/** What each proxy label means for each source (what the importer read it from). */
export const LABEL_MEANING: Record<ImportFormat, Record<LabelKey, string>> = {
  voyager: {
    rewrittenLater: "a later file version of the same skill exists (`NameV2.js`, …, or a changed text in a later checkpoint)",
    removedLater: "the skill's name is missing from the final `skills.json`",
    harmful: "unknown: Voyager records no per-task item use",
    neverUsed: "no other skill's code calls it (Voyager logs no retrievals, so a skill the agent ran directly still counts as never used)",
  },
  "dynamic-cheatsheet": {
    rewrittenLater: "the memory item's text changed in a later cheatsheet (followed by exact text, else MinHash similarity)",
    removedLater: "the item is missing from the run's last cheatsheet (retrieval runs keep every previous solution: always false there)",
    harmful: "in context for a question the memory run got wrong and the same model without memory got right",
    neverUsed: "the cheatsheet's own `** Count: N **` never rose above 1 while in context (unknown without a count; previous solutions: false)",
  },
  "ace-playbook": {
    rewrittenLater: "the rule's text changed in a later playbook snapshot (unknown for playbooks with one snapshot)",
    removedLater: "the rule is missing from the run's latest playbook (unknown for playbooks with one snapshot)",
    harmful: "harmful counter above helpful, when the playbook carries counters (these do not)",
    neverUsed: "helpful + harmful counters both 0, when the playbook carries counters (these do not)",
  },
  "agent-s": {
    rewrittenLater: "the key's text changed at a later commit (unknown for memories with one commit)",
    removedLater: "the key is missing at the latest commit (unknown for memories with one commit)",
    harmful: "unknown: Agent-S logs no per-task item use",
    neverUsed: "unknown: Agent-S logs no retrievals",
  },
  "tau-bench": {
    rewrittenLater: "unknown: tau-bench never edits its policy",
    removedLater: "unknown: tau-bench never edits its policy",
    harmful: "unknown",
    neverUsed: "unknown",
  },
};

export const PROXY_STATEMENT =
  "**These labels are a proxy, not ground truth.** They record what the agent that wrote the library did next, not " +
  "what should have been done: an item removed later may have been fine (dropped for space, or by mistake), a rewrite " +
  "may have been cosmetic, an item in context when a question went wrong need not have caused the mistake, and " +
  "\"never used\" only reflects what the source logs. Read precision and recall against the base rate (the share " +
  "of labelled items that are positive: what flagging at random would score), and read them as agreement with the " +
  "agent's own later edits, not as correctness.";

export const METHOD = [
  "Each library is decided in the states the source recorded (snapshots). Each item version is scored once, in the " +
    "last state that holds it: just before the source changed or dropped it, or in the final library if it survived. " +
    "The whole state is decided together, so the change cap and the library features see the library as it stood.",
  "A version no snapshot holds (e.g. Voyager's `NameV2.js` when `NameV3.js` exists) is decided in a reconstructed " +
    "state: the final library with that version in place of its skill's / item's final version.",
  "Usage statistics are those of the state's own time: where the source lists the items in context per task " +
    "(Dynamic Cheatsheet), successes, failures and last use are recomputed from the task events up to the next state " +
    "(the question answered with this state included, later ones not); elsewhere the imported statistics are used, " +
    "which hold only creation order and rewrite counts. Near-duplicate similarity is recomputed within each state.",
  "Null labels are left out of each score, and counted. \"any\" = removed later OR harmful OR never used, over the " +
    "labels the source knows (true if one is true, false only if all known ones are false); \"changed later\" = " +
    "rewritten later OR removed later.",
  "AUCs rank the curator's P(retire), P(rewrite) and P(retire) + P(rewrite) from the pass without change cap (the cap " +
    "masks actions after scoring, which would distort the ranking); they are n/a when the labelled items hold one class " +
    "or the curator gives every item the same probability (`none`, `random`). Decisions are the argmax, except " +
    "`random`, which samples with a per-state seed derived from --seed.",
  "Governance: every state is decided under the default rules (at most 10% of the library retired or rewritten per " +
    "pass, at least one item) and again with no change cap; both are shown, because the cap alone bounds recall (a " +
    "cheatsheet of five items allows one change per pass).",
  "Time: an item the agent changed early is decided with little evidence, a survivor in the final state with the most. " +
    "Statistics that grow with time (age, failures on a hard question set) separate the two groups whatever the items' " +
    "quality, so an AUC below 0.5 can mean the curator acts on evidence the agent did not wait for rather than that it " +
    "ranks backwards. The per-library tables show how much each pooled number owes to one run.",
  "Final library: the curator's pass over each library's final state; retired items removed, compressed items keep " +
    "the compress ratio of their tokens, rewrites keep their length.",
];

const modeName = (m: keyof typeof GOVERNANCE_MODES) => (m === "none" ? "no cap" : `${100 * GOVERNANCE_MODES[m].rules.maxChangeShare}% cap`);
const f2 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(2));
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x.toFixed(3));
const int = (x: number) => Math.round(x).toLocaleString("en-US");


const RETIRE_TARGETS: [RetireTarget, string][] = [
  ["removedLater", "removed later"],
  ["harmful", "harmful"],
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

function aucCell(a: AucScore): string {
  return a.auc === null ? `n/a (${SHORT_REASON[a.reason ?? ""] ?? a.reason})` : f3(a.auc);
}

function pct(before: number, after: number): string {
  if (!before) return "";
  const d = (100 * (after - before)) / before;
  return ` (${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)}%)`;
}

function labelTable(s: SourceReplay, c: CuratorReplay): string[] {
  const rows = (Object.keys(c.labels) as LabelKey[]).map((k) => [k, LABEL_MEANING[s.format][k], ...c.labels[k].map(String)]);
  return mdTable(["Label", "Meaning for this source", "true", "false", "unknown"], rows, 2);
}

function flagTable(s: SourceReplay): string[] {
  const first = s.curators[0].modes[0];
  const head = ["Curator", "Governance", ...RETIRE_TARGETS.map(([, n]) => `retire → ${n}`), "rewrite → rewritten later", "retire or rewrite → changed later"];
  const base = ["base rate", "(labelled)", ...RETIRE_TARGETS.map(([k]) => baseCell(first.retire[k])), baseCell(first.rewrite), baseCell(first.change)];
  const rows = s.curators.flatMap((c) =>
    c.modes.map((m) => [c.curator, modeName(m.governance), ...RETIRE_TARGETS.map(([k]) => flagCell(m.retire[k])), flagCell(m.rewrite), flagCell(m.change)]),
  );
  return mdTable(head, [base, ...rows], 2);
}

function aucTable(s: SourceReplay): string[] {
  const head = ["Curator", ...RETIRE_TARGETS.map(([, n]) => `P(retire) vs ${n}`), "P(rewrite) vs rewritten later", "P(retire)+P(rewrite) vs changed later"];
  const rows = s.curators.map((c) => [c.curator, ...RETIRE_TARGETS.map(([k]) => aucCell(c.auc.retire[k])), aucCell(c.auc.rewrite), aucCell(c.auc.change)]);
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
  const ranking = s.curators.filter((c) => c.byLibrary.some((l) => l.auc.retire.any.auc !== null || l.auc.change.auc !== null));
  if (!ranking.length) return ["No library holds both classes of a label for a curator that ranks, so there is no AUC per library."];
  const head = ["Library", "scored", "any: positive / labelled", "changed later: positive / labelled", ...ranking.map((c) => `${c.curator} AUC any · changed`)];
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
      c.featureShift!.slice(0, SHIFT_ROWS).map((f) => [f.feature, fmt(f.replayMean), fmt(f.trainMean), fmt(f.trainStd), f.z.toFixed(2)]),
      2,
    ),
    "",
  ]);
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3));

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
    ...labelTable(s, c0),
    "",
  ];
  const anyKnown = (Object.values(c0.labels) as number[][]).some(([t, f]) => t + f > 0);
  if (!anyKnown)
    return [...lines, "No scored item has a known label, so there is nothing to score; the decisions and the final-library projection follow.", "", ...decisionTable(s), ""];
  return [
    ...lines,
    "### Decisions against the labels: precision / recall (items flagged)",
    "",
    "Precision = flagged items that carry the label / items flagged; recall = labelled-positive items flagged / labelled-positive items. " +
      "– = undefined (nothing flagged, or no positive). The first row is the base rate: the precision random flagging would get.",
    "",
    ...flagTable(s),
    "",
    "### Ranking: AUC of the curator's probabilities (pass without change cap)",
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
    `Curators ${c.curators.map((x) => `\`${x}\``).join(", ")} · executor **${c.executor}** · governance: ` +
      `${c.governance.map((g) => GOVERNANCE_MODES[g].describe).join("; ")} · seed ${c.seed} · compress ratio ${c.compressRatio}.`,
    ...(opts.notes ?? []).flatMap((n) => ["", n]),
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
export function writeReplayReport(dir: string, results: ReplayResults, opts: ReplayReportOptions = {}): { json: string; report: string } {
  const json = join(dir, "replay.json");
  writeFileAtomic(json, `${JSON.stringify(results, null, 2)}\n`);
  const report = join(dir, "report.md");
  writeFileAtomic(report, `${replayMarkdown(results, opts).trimEnd()}\n`);
  return { json, report };
}

const brief = (s: FlagScore) => ({ precision: s.precision, recall: s.recall, flagged: s.flagged, labelled: s.labelled, positives: s.positives });

/** The --json summary: per source and curator, the headline AUCs and, per governance mode, precision/recall and the final library. */
export function replayJsonSummary(results: ReplayResults, out: string): Record<string, unknown> {
  return {
    out,
    sources: results.sources.map((s) => ({
      format: s.format,
      dataset: s.dataset,
      scoredItems: s.curators[0]?.scoredItems ?? 0,
      curators: s.curators.map((c) => ({
        curator: c.curator,
        auc: { retireAny: c.auc.retire.any.auc, rewrite: c.auc.rewrite.auc, change: c.auc.change.auc },
        modes: c.modes.map((m) => ({ governance: m.governance, retireAny: brief(m.retire.any), rewrite: brief(m.rewrite), change: brief(m.change), library: m.library })),
      })),
    })),
  };
}

export function replayHumanSummary(results: ReplayResults, out: string): string {
  const lines: string[] = [];
  for (const s of results.sources) {
    lines.push(`${s.format} (${s.curators[0]?.scoredItems ?? 0} item versions scored)`);
    for (const c of s.curators) {
      const modes = c.modes.map((m) => `${modeName(m.governance)}: retire P/R ${f2(m.retire.any.precision)}/${f2(m.retire.any.recall)}, rewrite P/R ${f2(m.rewrite.precision)}/${f2(m.rewrite.recall)}`);
      lines.push(`  ${c.curator.padEnd(14)} AUC retire ${aucCell(c.auc.retire.any)}, rewrite ${aucCell(c.auc.rewrite)} · ${modes.join(" · ")}`);
    }
  }
  return [...lines, "", `Wrote ${out}: replay.json, report.md. The labels are proxies (see report.md).`].join("\n");
}
