/**
 * The README section comparing SkillWorld's `default` world (card.skillworld) with the real libraries (the rest of
 * the card). Every number comes from the card, the presets in it, or REAL_CONTEXT_WINDOWS below.
 */
import type { CalibrationCard, SourceCalibration } from "./calibrate-card.js";
import type { PresetCalibration, WorldCalibration } from "./calibrate-world.js";
import { maxOf, minOf } from "../util/arrays.js";

/**
 * Context windows of the models that wrote the real libraries, from the model vendors' specifications (the
 * artifacts themselves record no budget). A window bounds the usable memory budget from above: the prompt also
 * holds the task, instructions and code, so item tokens / window is a lower bound on item tokens / budget.
 */
export const REAL_CONTEXT_WINDOWS: Partial<Record<SourceCalibration["format"], { model: string; tokens: number }>> = {
  voyager: { model: "GPT-4 (Voyager's default `gpt-4`; Llama-3 for QuestLlama has the same 8,192)", tokens: 8192 },
  "dynamic-cheatsheet": { model: "GPT-4o (Claude 3.5 Sonnet: 200,000)", tokens: 128000 },
};

/** A simulated value matches when it lies in the real per-source range widened by this share of each end. */
export const MATCH_TOLERANCE = 0.1;

/** The sources that write memory as they work (tau-bench's policy is static). */
const MEMORY_SOURCES = ["voyager", "dynamic-cheatsheet", "ace-playbook", "agent-s"] as const;

const num = (x: number, digits = 2): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const spread = (d: { p10: number; p90: number } | null): number => (d && d.p10 > 0 ? d.p90 / d.p10 : 0);

interface RealPoint {
  source: string;
  value: number;
}

interface Row {
  quantity: string;
  real: RealPoint[];
  /** how the real value is shown, when not just the per-source list */
  realText?: string;
  sim: (p: PresetCalibration) => number;
  simText?: (p: PresetCalibration) => string;
  show: (x: number) => string;
  why: string;
}

function verdict(row: Row, presets: PresetCalibration[]): string {
  const vals = row.real.map((r) => r.value);
  const lo = minOf(vals) * (1 - MATCH_TOLERANCE);
  const hi = maxOf(vals) * (1 + MATCH_TOLERANCE);
  const where = (x: number): string => (x < lo ? "below" : x > hi ? "above" : "within");
  const by = presets.map((p) => ({ name: p.executor, at: where(row.sim(p)) }));
  if (by.every((b) => b.at === "within")) return `matches — ${row.why}`;
  const groups = ["within", "below", "above"]
    .map((at) => ({ at, names: by.filter((b) => b.at === at).map((b) => b.name) }))
    .filter((g) => g.names.length)
    .map((g) => `${g.names.join(", ")} ${g.at}`);
  const head = by.some((b) => b.at === "within") ? "partly matches" : "does not match";
  return `${head} (${groups.join("; ")}) — ${row.why}`;
}

function realCell(row: Row): string {
  return row.realText ?? row.real.map((r) => `${row.show(r.value)} (${r.source})`).join("; ");
}

function rows(card: CalibrationCard, sw: WorldCalibration): Row[] {
  const src = Object.fromEntries(card.sources.map((s) => [s.format, s])) as Record<string, SourceCalibration>;
  const mem = MEMORY_SOURCES.map((f) => src[f]).filter(Boolean);
  const point = (s: SourceCalibration, v: number | null | undefined): RealPoint[] =>
    v === null || v === undefined ? [] : [{ source: s.format, value: v }];
  const each = (f: (s: SourceCalibration) => number | null | undefined): RealPoint[] =>
    mem.flatMap((s) => point(s, f(s)));
  const dist = (d: { mean: number; median: number; p10: number; p90: number } | null): string =>
    d ? `${num(d.mean)} / ${num(d.median)} / ${num(d.p10)} / ${num(d.p90)}` : "n/a";
  const budgets = mem.flatMap((s) => {
    const w = REAL_CONTEXT_WINDOWS[s.format];
    return w && s.tokens ? [{ source: s.format, value: s.tokens.mean / w.tokens }] : [];
  });
  const items = mem.reduce((a, s) => a + s.items, 0);
  const pooledMaxSim = mem.reduce((a, s) => a + s.items * (s.meanMaxSimilarity ?? 0), 0) / items;
  const failure = [
    ...point(src.voyager, src.voyager?.wrongShare),
    ...point(
      src["dynamic-cheatsheet"],
      src["dynamic-cheatsheet"]?.extra.memoryAccuracy == null
        ? null
        : 1 - src["dynamic-cheatsheet"].extra.memoryAccuracy,
    ),
    ...point(src["tau-bench"], src["tau-bench"]?.extra.taskFailureShare),
  ];
  const simMeans = sw.presets.map((p) => p.tokens?.mean ?? 0);
  const times = (real: number | undefined): string =>
    real ? `${num(minOf(simMeans) / real)}–${num(maxOf(simMeans) / real)}×` : "n/a";
  return [
    {
      quantity: "item tokens, live items: mean / median / p10 / p90",
      real: each((s) => s.tokens?.mean),
      realText: `skills ${dist(card.pooled.skillTokens)}; context ${dist(card.pooled.contextTokens)} (pooled); per-source means ${each(
        (s) => s.tokens?.mean,
      )
        .map((r) => `${num(r.value)} (${r.source})`)
        .join(", ")}`,
      sim: (p) => p.tokens?.mean ?? 0,
      simText: (p) => dist(p.tokens),
      show: num,
      why:
        `verdict on the mean against the per-source means. Simulated items are ${times(card.pooled.skillTokens?.mean)} the pooled real skill mean ` +
        `and ${times(card.pooled.contextTokens?.mean)} the context mean: the presets' meanTokens (${sw.presets.map((p) => p.profile.authoring.meanTokens).join(" / ")}) ` +
        "were set together with their context budgets, so that overflow and distraction appear at the library sizes a " +
        `${sw.tasks}-task stream produces; what the curator acts on is an item's tokens relative to the budget (next row). ` +
        `Spread (p90 / p10): sim ${sw.presets.map((p) => num(spread(p.tokens))).join(" / ")}, real skills ${num(spread(card.pooled.skillTokens))}, real context ${num(spread(card.pooled.contextTokens))}.`,
    },
    {
      quantity: "item tokens / context budget (sim: mean live tokens / contextBudget)",
      real: budgets,
      realText: budgets.length
        ? `${budgets.map((b) => `${num(b.value, 4)} (${b.source}, ${REAL_CONTEXT_WINDOWS[b.source as SourceCalibration["format"]]!.tokens}-token window)`).join("; ")}; ` +
          `${mem
            .filter((s) => !REAL_CONTEXT_WINDOWS[s.format])
            .map((s) => s.format)
            .join(", ")}: budget not known`
        : "no budget known",
      sim: (p) => p.liveTokensPerBudget,
      simText: (p) =>
        `${num(p.liveTokensPerBudget, 4)} (preset ${p.profile.authoring.meanTokens} / ${p.profile.contextBudget} = ${num(p.meanTokensPerBudget, 4)})`,
      show: (x) => num(x, 4),
      why:
        "real ratios divide by the model's whole window, an upper bound on the usable budget, so they understate the real ratio. " +
        "The simulated budgets are small on purpose: a budget holds " +
        `${sw.presets.map((p) => num(p.profile.contextBudget / p.profile.authoring.meanTokens, 1)).join(" / ")} of the preset's own items against retrievalK ${sw.world.retrievalK}, ` +
        `so overflow and distraction show at ${sw.tasks}-task library sizes; no real source here ran a context that small.`,
    },
    {
      quantity: "growth: live items added per task",
      real: each((s) => s.growthPerTask),
      sim: (p) => p.growthPerTask,
      show: num,
      why:
        "a simulated executor writes at most one item per task (authoring rate " +
        `${sw.presets.map((p) => p.profile.authoring.rate).join(" / ")}), like Voyager's one skill per solved task; ` +
        "Dynamic Cheatsheet, ACE and Agent-S write several (shorter) items per task; see tokens added per task (next row).",
    },
    {
      quantity: "tokens added to the library per task (growth × mean tokens)",
      real: each((s) => (s.growthPerTask !== null && s.tokens ? s.growthPerTask * s.tokens.mean : null)),
      sim: (p) => p.tokensAddedPerTask,
      show: (x) => num(x, 0),
      why: "the library's token mass, which drives overflow and distraction: longer simulated items offset fewer items per task.",
    },
    {
      quantity: "live items per library at the end",
      real: each((s) => (s.libraries ? s.items / s.libraries : null)),
      sim: (p) => p.meanLibrarySize,
      show: (x) => num(x, 1),
      why: `sim: ${sw.world.initialItems} seeded items plus ${sw.tasks} tasks of authoring; real libraries span a Dynamic Cheatsheet of a few items to Agent-S's hundreds.`,
    },
    {
      quantity: "near-duplicate share (items with a neighbour at similarity ≥ threshold)",
      real: each((s) => s.nearDuplicateShare),
      realText: `${pct(card.pooled.nearDuplicateShare ?? 0)} pooled; ${each((s) => s.nearDuplicateShare)
        .map((r) => `${pct(r.value)} (${r.source})`)
        .join("; ")}`,
      sim: (p) => p.nearDuplicateShare,
      show: pct,
      why:
        "SkillWorld's hidden similarity (`similarity` in src/world/observe.ts) draws most same-family pairs above the threshold, " +
        `so with ${sw.world.families} families and dozens of items per library nearly every item has a same-family near-duplicate. ` +
        "Real near-duplicates are rarer and concentrated (Voyager's re-learned skills). The curator's nearDuplicates feature is therefore almost always > 0 in training.",
    },
    {
      quantity: "mean max similarity to another item",
      real: each((s) => s.meanMaxSimilarity),
      realText: `${num(pooledMaxSim)} pooled (item-weighted); ${each((s) => s.meanMaxSimilarity)
        .map((r) => `${num(r.value)} (${r.source})`)
        .join("; ")}`,
      sim: (p) => p.meanMaxSimilarity,
      show: num,
      why: "same cause as the row above: the hidden similarity has no low same-family values.",
    },
    {
      quantity: "wrong share of live items (sim: hidden truth; authored items only in brackets)",
      real: point(src["dynamic-cheatsheet"], src["dynamic-cheatsheet"]?.wrongShare),
      realText: `${pct(src["dynamic-cheatsheet"]?.wrongShare ?? 0)} (dynamic-cheatsheet: item versions with negative credited paired uplift — marked used where memory turned a right answer wrong); no other source labels items`,
      sim: (p) => p.wrongShare,
      simText: (p) =>
        `${pct(p.wrongShare)} (${pct(p.authoredWrongShare)}; errorRate ${p.profile.authoring.errorRate} × 0.6 after success / 1.8 after failure gives ${pct(p.expectedAuthoredWrongShare)})`,
      show: pct,
      why:
        "one real measure only (items the run marked used where memory turned a right answer wrong, net of the answers they turned " +
        "right: not proven wrong, and wrong items that flipped nothing are missed); the presets write wrong items " +
        "at their errorRate, amplified after failures, so weaker presets hold more by design.",
    },
    {
      quantity: "share of authored items written after a failed task",
      real: point(src["agent-s"], src["agent-s"]?.wrongShare),
      realText: `${pct(src["agent-s"]?.wrongShare ?? 0)} (agent-s: narrative summaries of failed tasks); Voyager saves skills only after success (0 by design)`,
      sim: (p) => p.writtenAfterFailureShare,
      show: pct,
      why: "a simulated executor authors after success and failure alike, so this equals its failure share (next row); real harnesses range from never (Voyager) to always (Agent-S).",
    },
    {
      quantity: "task failure share",
      real: failure,
      realText: failure
        .map(
          (r) =>
            `${pct(r.value)} (${r.source}${r.source === "voyager" ? ", failed attempts" : r.source === "dynamic-cheatsheet" ? ", 1 − memory accuracy" : ""})`,
        )
        .join("; "),
      sim: (p) => p.taskFailureShare,
      show: pct,
      why: "the real sources are benchmarks run at the edge of what their agents can do; the presets span weaker to stronger executors on purpose.",
    },
  ];
}

function presetTable(sw: WorldCalibration): string[] {
  return [
    "| preset | contextBudget | authoring rate | genericRate | meanTokens | errorRate | baseSkill | distraction | verification |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...sw.presets.map(
      ({ profile: p }) =>
        `| ${p.name} | ${p.contextBudget} | ${p.authoring.rate} | ${p.authoring.genericRate} | ${p.authoring.meanTokens} | ${p.authoring.errorRate} | ${p.baseSkill} | ${p.distraction} | ${p.verification} |`,
    ),
  ];
}

export function renderWorldSection(card: CalibrationCard): string[] {
  const sw = card.skillworld;
  if (!sw) return [];
  const rs = rows(card, sw);
  const names = sw.presets.map((p) => p.executor);
  const tokensRow = rs.find((r) => r.quantity.startsWith("tokens added"))!;
  const inRange = sw.presets
    .filter((p) => verdict({ ...tokensRow, why: "" }, [p]).startsWith("matches"))
    .map((p) => p.executor);
  const w = sw.world;
  return [
    "## SkillWorld `default` against the real libraries",
    "",
    `Measured by \`src/import/calibrate-world.ts\` (card.json \`skillworld\`): the \`${w.name}\` world with the \`${sw.curator}\` curator`,
    `(no curation — the library as executors write it, as in every real source here), ${sw.streams} streams × ${sw.tasks} tasks per`,
    `executor preset, the streams \`curator eval\` runs for seed ${sw.seed} (seed domain "${sw.seedDomain}"). Live items are those in the library at`,
    "the end of each stream, pooled over streams; near-duplicates use SkillWorld's hidden similarity (standing in for MinHash) at the",
    `same threshold (${card.nearDuplicateThreshold}), within one library. Real values per source as in the table above. A simulated value "matches" when it`,
    `lies within the real per-source range widened by ${pct(MATCH_TOLERANCE)} at each end. The "wrong share" column above mixes three`,
    "quantities (Voyager: failed attempts; Agent-S: entries written from failures; Dynamic Cheatsheet: items present when memory",
    "hurt); each is compared here with its simulated counterpart.",
    "",
    `| quantity | real | ${names.map((n) => `sim ${n}`).join(" | ")} | verdict — why |`,
    `| --- | --- | ${names.map(() => "---").join(" | ")} | --- |`,
    ...rs.map(
      (r) =>
        `| ${r.quantity} | ${realCell(r)} | ${sw.presets.map((p) => (r.simText ?? ((q) => r.show(r.sim(q))))(p)).join(" | ")} | ${verdict(r, sw.presets)} |`,
    ),
    "",
    `World: \`${w.name}\` — ${w.families} families (${w.initialActiveFamilies} active at the start), ${w.initialItems} seeded items, retrievalK ${w.retrievalK},`,
    `driftRate ${w.driftRate}, popularityShiftRate ${w.popularityShiftRate}, curation pass every ${w.curationInterval} tasks (all keep here). Presets:`,
    "",
    ...presetTable(sw),
    "",
    "### Recommendations (not applied: changing the world or presets would invalidate every shipped experiment)",
    "",
    `- Near-duplicates are the largest gap (${sw.presets.map((p) => pct(p.nearDuplicateShare)).join(" / ")} simulated vs ${pct(card.pooled.nearDuplicateShare ?? 0)} pooled real).`,
    "  Widen the same-family similarity range in `src/world/observe.ts` downwards (or make near-duplicates a per-item property,",
    "  e.g. a share of authored items written as a variant of an existing one) and fit it to the pooled real share; then re-check",
    "  what the curator learns from its `nearDuplicates` / `maxSimilarity` features.",
    "- Item length: if the world is re-tuned, scale meanTokens and contextBudget down together (keeping meanTokens / contextBudget)",
    "  so that item lengths read like the real ones; the curator's decisions depend on the ratio, not on absolute tokens.",
    "- Growth: a preset that writes several short items per task (ACE / Agent-S style) would cover the multi-item writers; tokens",
    `  added per task are already in the real range for ${inRange.length ? inRange.join(", ") : "no preset"}.`,
  ];
}
