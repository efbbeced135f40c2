/**
 * Calibration: measures, from real agent artifacts, the quantities the simulated world should match — item
 * token lengths, library growth per task, near-duplicate share, share of wrong/harmful items where known —
 * by running every importer over the real-data folder. Pure measurement; writing is in calibrate-report.ts. The
 * written card also holds SkillWorld measured the same way (calibrate-world.ts).
 *
 * To rebuild datasets/real-calibration: npx tsx scripts/calibrate.ts [REAL_DATA_DIR] [OUT_DIR]
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CuratorError } from "../errors.js";
import type { LibraryItem } from "../schemas/item.js";
import { TOKEN_ENCODING } from "../text/tokens.js";
import { NEAR_DUPLICATE_THRESHOLD } from "../text/similarity.js";
import { loadImport } from "./run.js";
import { IMPORTER_VERSION, type ImportFormat } from "./types.js";
import type { BuiltImport } from "./write.js";
import type { CalibrationCard, SourceCalibration } from "./calibrate-card.js";
import { distribution, r4, type Distribution } from "./calibrate-stats.js";
import { pushAll } from "../util/arrays.js";
import { contentFlags, referencedBy } from "../features/content.js";
import { groupByLibrary } from "../features/observe.js";

export { distribution, type Distribution };
export type { CalibrationCard, SourceCalibration } from "./calibrate-card.js";

const share = (k: number, n: number): number | null => (n > 0 ? r4(k / n) : null);

/** Where each real source comes from (mirrors ../shared/data/real/README.md). */
export const PROVENANCE: Record<ImportFormat, { folder: string; origin: string; license: string }> = {
  voyager: {
    folder: "voyager",
    origin:
      "MineDojo/Voyager @ 55e45a8 (GPT-4, 3 trials); atomwalk12/QuestLlama @ 418d81c (Llama-3); 1maginec/MC-Agent @ f494489; choiszt/OctoMC (3 commits)",
    license: "MIT",
  },
  "dynamic-cheatsheet": {
    folder: "dynamic_cheatsheet",
    origin: "suzgunmirac/dynamic-cheatsheet @ 1cf258c (GPT-4o, Claude 3.5 Sonnet; AIME 2024/2025, GPQA-Diamond)",
    license: "MIT",
  },
  "ace-playbook": {
    folder: "ace_appworld",
    origin: "ace-agent/ace-appworld @ e8986f6, 748a9dc (AppWorld playbooks)",
    license: "Apache-2.0",
  },
  "agent-s": {
    folder: "agent_s_kb",
    origin: "simular-ai/Agent-S @ c359a93, 7cd7c24, 4536f00 (OSWorld knowledge base)",
    license: "Apache-2.0",
  },
  "tau-bench": {
    folder: "tau_bench",
    origin: "sierra-research/tau-bench @ 59a200c (GPT-4o airline trajectories)",
    license: "MIT",
  },
};

const tokensOf = (items: readonly LibraryItem[]): number[] => items.map((i) => i.tokens ?? 0);

function common(format: ImportFormat, b: BuiltImport, live: LibraryItem[] = b.library, all: LibraryItem[] = b.items) {
  return {
    format,
    folder: PROVENANCE[format].folder,
    origin: PROVENANCE[format].origin,
    sourceSha256: b.manifest.sourceSha256,
    libraries: new Set(live.map((i) => i.library)).size,
    items: live.length,
    tokens: distribution(tokensOf(live)),
    tokensAllVersions: distribution(tokensOf(all)),
    nearDuplicateShare: share(live.filter((i) => (i.similarity?.nearDuplicates ?? 0) > 0).length, live.length),
    meanMaxSimilarity: live.length ? r4(live.reduce((a, i) => a + (i.similarity?.max ?? 0), 0) / live.length) : null,
  };
}

function voyager(b: BuiltImport): SourceCalibration {
  const withEvents = b.manifest.libraries.filter((l) => l.events > 0);
  const episodes = (lib: string): number =>
    new Set(b.events.filter((e) => e.library === lib).map((e) => e.detail.episode)).size;
  const skills = withEvents.reduce((a, l) => a + l.items, 0);
  const eps = withEvents.reduce((a, l) => a + episodes(l.name), 0);
  const known = b.events.filter((e) => e.outcome !== "unknown");
  const finalLabels = b.labels.filter((l) => l.inFinal);
  return {
    ...common("voyager", b),
    growthPerTask: eps ? r4(skills / eps) : null,
    growthBasis: `live skills / task episodes, over the ${withEvents.length} checkpoints that log attempts`,
    wrongShare: share(known.filter((e) => e.outcome === "failure").length, known.length),
    wrongBasis: "failed attempts / attempts with a known outcome (Voyager saves a skill only after success)",
    extra: {
      attempts: b.events.length,
      attemptsPerEpisode: eps ? r4(withEvents.reduce((a, l) => a + l.events, 0) / eps) : null,
      liveSkillsRewrittenShare: share(b.library.filter((i) => (i.stats?.rewrites ?? 0) > 0).length, b.library.length),
      liveSkillsNeverCalledShare: share(finalLabels.filter((l) => l.neverUsed === true).length, finalLabels.length),
      removedShare: share(b.labels.filter((l) => l.removedLater === true).length, b.labels.length),
    },
  };
}

function dynamicCheatsheet(b: BuiltImport): SourceCalibration {
  const approach = (i: LibraryItem, a: string): boolean => i.meta?.approach === a;
  const live = b.library.filter((i) => approach(i, "cumulative"));
  const all = b.items.filter((i) => approach(i, "cumulative"));
  const cumLibs = [...new Set(all.map((i) => String(i.library)))];
  const questions = cumLibs.reduce((a, l) => a + b.events.filter((e) => e.library === l).length, 0);
  const lineages = new Set(all.map((i) => `${i.library}#${i.meta?.lineage}`)).size;
  const labelled = b.labels.filter((l) => l.harmful !== null);
  const memEvents = b.events.filter(
    (e) => e.detail.approach !== "none" && typeof e.detail.referenceCorrect === "boolean" && e.outcome !== "unknown",
  );
  const hurt = memEvents.filter((e) => e.outcome === "failure" && e.detail.referenceCorrect === true).length;
  const helped = memEvents.filter((e) => e.outcome === "success" && e.detail.referenceCorrect === false).length;
  const snaps = b.snapshots.filter((s) => cumLibs.includes(s.library));
  const cumLabels = b.labels.filter((l) => cumLibs.includes(l.library));
  return {
    ...common("dynamic-cheatsheet", b, live, all),
    growthPerTask: questions ? r4(lineages / questions) : null,
    growthBasis:
      "new memory items (lineages) per question, cumulative runs (tokens and near-duplicates also over cumulative runs)",
    wrongShare: share(labelled.filter((l) => l.harmful).length, labelled.length),
    wrongBasis:
      "item versions whose lineage has negative credited paired uplift (d = memory − same prompt without memory, credited only where the run marks the item used), among versions with a credited label",
    extra: {
      cumulativeRuns: cumLibs.length,
      meanLibrarySize: snaps.length ? r4(snaps.reduce((a, s) => a + s.itemIds.length, 0) / snaps.length) : null,
      removedPerQuestion: questions
        ? r4(new Set(cumLabels.filter((l) => l.removedLater).map((l) => l.id.replace(/@v\d+$/, ""))).size / questions)
        : null,
      rewrittenShare: share(cumLabels.filter((l) => l.rewrittenLater).length, cumLabels.length),
      neverReusedShare: share(
        cumLabels.filter((l) => l.neverUsed === true).length,
        cumLabels.filter((l) => l.neverUsed !== null).length,
      ),
      questionsHurtByMemoryShare: share(hurt, memEvents.length),
      questionsHelpedByMemoryShare: share(helped, memEvents.length),
      memoryAccuracy: share(memEvents.filter((e) => e.outcome === "success").length, memEvents.length),
      noMemoryAccuracySameQuestions: share(
        memEvents.filter((e) => e.detail.referenceCorrect === true).length,
        memEvents.length,
      ),
    },
  };
}

function acePlaybook(b: BuiltImport): SourceCalibration {
  const timed = b.snapshots.filter((s) => s.taskIndex !== null);
  const rates: number[] = [];
  for (let k = 1; k < timed.length; k++) {
    const [p, s] = [timed[k - 1], timed[k]];
    if (p.library === s.library && s.taskIndex! > p.taskIndex!)
      rates.push((s.itemIds.length - p.itemIds.length) / (s.taskIndex! - p.taskIndex!));
  }
  const first = timed[0];
  const last = timed.filter((s) => s.library === first?.library).at(-1);
  return {
    ...common("ace-playbook", b),
    growthPerTask:
      first && last && last.taskIndex! > first.taskIndex!
        ? r4((last.itemIds.length - first.itemIds.length) / (last.taskIndex! - first.taskIndex!))
        : null,
    growthBasis: "rules added per task between the first and last numbered snapshot of the online run",
    wrongShare: null,
    wrongBasis: "unknown: these playbooks carry no helpful/harmful counters",
    extra: {
      growthPerTaskFirstInterval: rates.length ? r4(rates[0]) : null,
      growthPerTaskLaterIntervals:
        rates.length > 1 ? r4(rates.slice(1).reduce((a, x) => a + x, 0) / (rates.length - 1)) : null,
      removedShare: share(
        b.labels.filter((l) => l.removedLater === true).length,
        b.labels.filter((l) => l.removedLater !== null).length,
      ),
    },
  };
}

function agentS(b: BuiltImport): SourceCalibration {
  const narrative = b.events;
  const size = (lib: string): number => b.library.filter((i) => i.library === lib).length;
  const known = narrative.filter((e) => e.outcome !== "unknown");
  return {
    ...common("agent-s", b),
    growthPerTask: size("ubuntu/narrative") ? r4(size("ubuntu/episodic") / size("ubuntu/narrative")) : null,
    growthBasis:
      "episodic (subtask) entries per narrative (task) entry, Ubuntu: tasks are not logged, each narrative entry is one task",
    wrongShare: share(known.filter((e) => e.outcome === "failure").length, known.length),
    wrongBasis: "narrative summaries that describe a failed task (entries written from failures)",
    extra: {
      ubuntuEpisodicFirst: b.snapshots.find((s) => s.library === "ubuntu/episodic")?.itemIds.length ?? null,
      ubuntuEpisodicLast: b.snapshots.filter((s) => s.library === "ubuntu/episodic").at(-1)?.itemIds.length ?? null,
      summariesOutcomeUnknownShare: share(narrative.length - known.length, narrative.length),
    },
  };
}

function tauBench(b: BuiltImport): SourceCalibration {
  const known = b.events.filter((e) => e.outcome !== "unknown");
  return {
    ...common("tau-bench", b),
    growthPerTask: 0,
    growthBasis: "static policy: tau-bench writes no memory",
    wrongShare: null,
    wrongBasis: "unknown per item (policy paragraphs are human-written)",
    extra: {
      trajectories: b.events.length,
      taskFailureShare: share(known.filter((e) => e.outcome === "failure").length, known.length),
    },
  };
}

const MEASURE: Record<ImportFormat, (b: BuiltImport) => SourceCalibration> = {
  voyager,
  "dynamic-cheatsheet": dynamicCheatsheet,
  "ace-playbook": acePlaybook,
  "agent-s": agentS,
  "tau-bench": tauBench,
};

/**
 * The obs-v2 content features over the live items (per library, as the featurizer computes them): shares of
 * placeholder and short generic items, mean core share, share called by another live skill. The world side is
 * in calibrate-world.ts under the same names.
 */
export function contentMeasures(live: readonly LibraryItem[]): Record<string, number | null> {
  const flags = live.map((i) => contentFlags(i.content));
  const called: number[] = [];
  for (const members of groupByLibrary(live).values()) pushAll(called, referencedBy(members.map((k) => live[k])));
  return {
    placeholderShare: share(flags.filter((f) => f.placeholder).length, live.length),
    shortGenericShare: share(flags.filter((f) => f.shortGeneric).length, live.length),
    meanCoreShare: live.length ? r4(flags.reduce((a, f) => a + f.coreShare, 0) / live.length) : null,
    calledShare: share(called.filter((c) => c > 0).length, live.length),
  };
}

/** Imports every source under `root` (in memory) and measures it. */
export function calibrate(root: string): CalibrationCard {
  if (!existsSync(root))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Real-data folder '${root}' does not exist. Pass the folder described in its README (e.g. ../shared/data/real).`,
    );
  const sources: SourceCalibration[] = [];
  const live: LibraryItem[] = [];
  for (const format of Object.keys(MEASURE) as ImportFormat[]) {
    const dir = join(root, PROVENANCE[format].folder);
    if (!existsSync(dir)) continue;
    const b = loadImport(format, dir);
    const m = MEASURE[format](b);
    sources.push({ ...m, extra: { ...m.extra, ...contentMeasures(b.library) } });
    if (format !== "tau-bench")
      pushAll(
        live,
        format === "dynamic-cheatsheet" ? b.library.filter((i) => i.meta?.approach === "cumulative") : b.library,
      );
  }
  return {
    name: "real-calibration",
    importerVersion: IMPORTER_VERSION,
    tokenEncoding: TOKEN_ENCODING,
    nearDuplicateThreshold: NEAR_DUPLICATE_THRESHOLD,
    sources,
    pooled: {
      skillTokens: distribution(tokensOf(live.filter((i) => i.kind === "skill"))),
      contextTokens: distribution(tokensOf(live.filter((i) => i.kind === "context"))),
      nearDuplicateShare: share(live.filter((i) => (i.similarity?.nearDuplicates ?? 0) > 0).length, live.length),
    },
  };
}
