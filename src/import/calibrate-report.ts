/** Writes a calibration card (card.json) and its human summary (README.md) into a dataset folder, atomically. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeDirAtomic } from "../util/atomic.js";
import type { CalibrationCard } from "./calibrate-card.js";
import type { Distribution } from "./calibrate-stats.js";
import { renderWorldSection } from "./calibrate-world-report.js";

const fmt = (x: number | null | undefined, pct = false): string =>
  x === null || x === undefined
    ? "n/a"
    : pct
      ? `${(100 * x).toFixed(1)}%`
      : Number.isInteger(x)
        ? String(x)
        : x.toFixed(2);

const dist = (d: Distribution | null): string =>
  d ? `${fmt(d.mean)} / ${fmt(d.median)} / ${fmt(d.p10)} / ${fmt(d.p90)} (n=${d.n})` : "n/a";

export function renderCalibrationReadme(card: CalibrationCard, root: string): string {
  const rows = card.sources.map(
    (s) =>
      `| ${s.format} | ${s.libraries} | ${s.items} | ${dist(s.tokens)} | ${fmt(s.growthPerTask)} | ${fmt(s.nearDuplicateShare, true)} | ${fmt(s.wrongShare, true)} |`,
  );
  const details = card.sources.map((s) =>
    [
      `### ${s.format}`,
      "",
      `Source: \`${root}/${s.folder}\` — ${s.origin}. Files hashed (sha256 over path and bytes): \`${s.sourceSha256.slice(0, 16)}…\`.`,
      "",
      `- tokens, latest libraries (mean / median / p10 / p90): ${dist(s.tokens)}`,
      `- tokens, every version ever written: ${dist(s.tokensAllVersions)}`,
      `- growth per task: ${fmt(s.growthPerTask)} — ${s.growthBasis}`,
      `- near-duplicate share: ${fmt(s.nearDuplicateShare, true)}, mean max similarity ${fmt(s.meanMaxSimilarity)}`,
      `- wrong / harmful share: ${fmt(s.wrongShare, true)} — ${s.wrongBasis}`,
      ...Object.entries(s.extra).map(([k, v]) => `- ${k}: ${/Share|Accuracy/.test(k) ? fmt(v, true) : fmt(v)}`),
      "",
    ].join("\n"),
  );
  return [
    "# Real-data calibration card",
    "",
    "Measured from public artifacts written by real agents (see `../shared/data/real/README.md` for provenance and",
    "licenses) by `scripts/calibrate.ts`, which runs every `curator import` importer over the folder and measures the",
    "result. The machine-readable numbers are in `card.json`; this page is generated from it. Regenerate with:",
    "",
    "```",
    `npx tsx scripts/calibrate.ts ${root} datasets/real-calibration`,
    "```",
    "",
    `Tokens: ${card.tokenEncoding} (gpt-tokenizer). Near-duplicates: MinHash Jaccard ≥ ${card.nearDuplicateThreshold} over word`,
    `3-shingles, within one library. Importer version ${card.importerVersion}.`,
    "",
    "| source | libraries | live items | tokens mean / median / p10 / p90 | growth / task | near-dup share | wrong share |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Pooled over memory-writing sources (Voyager, Dynamic Cheatsheet cumulative, ACE, Agent-S): skill tokens ${dist(card.pooled.skillTokens)};`,
    `context tokens ${dist(card.pooled.contextTokens)}; near-duplicate share ${fmt(card.pooled.nearDuplicateShare, true)}.`,
    "",
    "## What the numbers mean, and what they are not",
    "",
    '- "Growth per task" and "wrong share" are measured differently per source (the basis is stated for each); they',
    "  are not comparable across sources one to one. Where a source cannot tell, the value is n/a rather than a guess.",
    "- The Dynamic Cheatsheet wrong share is credited paired uplift: a question's outcome difference against the same",
    "  prompt without memory, credited to the items the run marked as used; shared by all of them, so not proof of cause.",
    "  Voyager failed attempts are attempts, not items.",
    "- Voyager event outcomes are inferred from attempt order and the curriculum lists; Agent-S outcomes from the",
    "  wording of its summaries.",
    "",
    ...renderWorldSection(card),
    ...(card.skillworld ? [""] : []),
    "## Per source",
    "",
    ...details,
  ].join("\n");
}

/** Writes card.json and README.md into `dir` (the folder is replaced as a whole, atomically). */
export async function writeCalibration(card: CalibrationCard, dir: string, root: string): Promise<void> {
  await writeDirAtomic(dir, { command: "calibrate" }, async (tmp) => {
    writeFileSync(join(tmp, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
    writeFileSync(join(tmp, "README.md"), `${renderCalibrationReadme(card, root)}\n`);
  });
}
