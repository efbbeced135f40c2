/**
 * `curator decide` as a function: load a library and its governance, read the output folder's history,
 * decide every item that carries new evidence, and (unless it is a dry run) append the pass to the folder.
 *
 * A pass continues a folder, never replaces it: the folder's live items must all be in the input (the
 * folder's own library.jsonl, or a newer copy of it that the harness keeps elsewhere), its archive and audit
 * log carry over, and its governance applies. An item whose content and stats are unchanged since its last
 * decision, in the same evidence window, is left alone; a restored item is left alone until its own content
 * or stats change. The change cap counts retire/rewrite decisions per evidence window across passes.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Action } from "../actions.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Governance } from "../schemas/world.js";
import { resolveExecutor } from "../executors/presets.js";
import { executorObservation, readExecutorStats } from "../features/executor-stats.js";
import type { ExecutorStats } from "../schemas/executor-stats.js";
import { CuratorError } from "../errors.js";
import { decideWithCurator, type Decision, type DecideResult } from "../runtime/decide.js";
import { resolveCurator } from "../curators/resolve.js";
import { defaultNow, observeLibrary, type ObserveOptions } from "../features/observe.js";
import { canonicalJson } from "../governance/audit.js";
import { looserRules } from "../governance/rules.js";
import { changeCap } from "../governance/choose.js";
import { countActions } from "./review.js";
import { writePass, type ApplySummary } from "./apply.js";
import {
  checkOutputFolder,
  classifyFolder,
  LIBRARY_FILE,
  openFolder,
  resolveFolder,
  withFolderLock,
  type FolderState,
} from "./folder.js";
import { ItemHashes } from "./item-hashes.js";
import { GOVERNANCE_FILE, readGovernanceFor, readLibraryFile, type LiveItem } from "./io.js";
import type { SimilarityProgress } from "../text/similarity.js";

export interface CurateOptions {
  /** A curator spec as src/curators/resolve.ts reads it: a baseline name, an .onnx file or a model folder. */
  model: string;
  /** library.jsonl path, or a folder holding one (e.g. a decide output); governance.json beside it is applied. */
  library: string;
  /** Preset name or executor profile file: the fallback for executor statistics `executorStats` does not give. */
  executor?: string | ExecutorProfile;
  /** The harness's executor statistics: a JSON file (ExecutorStatsSchema) or the parsed object. */
  executorStats?: string | ExecutorStats;
  /** Output folder; required unless dryRun. */
  out?: string;
  dryRun?: boolean;
  /** Sample actions with this seed instead of argmax. `random` always samples (seed 0 unless given). */
  seed?: number;
  /** Current task index (evidence window); default: the largest task index in the items' stats, never below the folder's last pass. */
  now?: number;
  /** Apply decide's structural rules (governance/structure.ts); default true. */
  structuralRules?: boolean;
  clock?: () => Date;
  /** Progress of the near-duplicate search on items without a `similarity` field. */
  onProgress?: SimilarityProgress;
}

export interface CurateResult extends DecideResult {
  /** Decisions of the items decided in this pass (items without new evidence are left out). */
  decisions: Decision[];
  /** How many of those chose each action. */
  counts: Record<Action, number>;
  items: LiveItem[];
  /** Live items left alone: no new evidence since their last decision. */
  unchanged: number;
  window: number;
  /** Retire/rewrite allowed in this evidence window, and how many earlier passes used. */
  changeCap: number;
  changesBefore: number;
  governance: Governance;
  /** governance.json the rules came from, or null for the default rules. */
  governanceSource: string | null;
  executor: string;
  seed: number | null;
  written: ApplySummary | null;
}

interface Input {
  file: string;
  /** The decide folder the input is the live library of, when it is one. */
  folder: string | null;
}

function resolveInput(library: string): Input {
  if (existsSync(library) && statSync(library).isDirectory()) {
    const path = resolveFolder(library, "--library");
    const file = join(path, LIBRARY_FILE);
    if (!existsSync(file))
      throw new CuratorError(
        "FILE_NOT_FOUND",
        `--library '${library}' is a folder without ${LIBRARY_FILE}. Pass a library JSONL file or a folder 'curator decide --out' wrote.`,
      );
    return { file, folder: classifyFolder(path).kind === "decide" ? path : null };
  }
  const path = existsSync(library) ? realpathSync(library) : library;
  const folder = dirname(path);
  const isFolderLive = basename(path) === LIBRARY_FILE && classifyFolder(folder).kind === "decide";
  return { file: library, folder: isFolderLive ? folder : null };
}

export async function curateLibrary(o: CurateOptions): Promise<CurateResult> {
  if (!o.dryRun && !o.out)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "Pass --out DIR to write the curated library, or --dry-run to only review the decisions.",
    );
  const input = resolveInput(o.library);
  const outPath = o.out ? resolveFolder(o.out, "--out") : null;
  const outKind = outPath ? checkOutputFolder(outPath) : null;
  // A dry run reads the history of the folder it would write (or of the folder it reads), and writes nothing.
  const historyDir = outPath ? (outKind === "decide" ? outPath : null) : input.folder;
  const out = o.dryRun ? null : outPath;
  const run = () => curateLocked(o, input, out, historyDir);
  return out ? withFolderLock(out, run) : run();
}

async function curateLocked(
  o: CurateOptions,
  input: Input,
  out: string | null,
  historyDir: string | null,
): Promise<CurateResult> {
  // Writing a pass, or reading a folder's history, needs every item's content hash: computed aside meanwhile.
  const hashing = out !== null || historyDir !== null ? ItemHashes.start(input.file) : null;
  try {
    return await curateHashing(o, input, out, historyDir, hashing);
  } finally {
    hashing?.stop();
  }
}

async function curateHashing(
  o: CurateOptions,
  input: Input,
  out: string | null,
  historyDir: string | null,
  hashing: ItemHashes | null,
): Promise<CurateResult> {
  const readsOwnLive = historyDir !== null && input.folder === historyDir;
  const state = historyDir ? openFolder(historyDir, { checkLive: !readsOwnLive }) : null;
  const items = readLibraryFile(input.file);
  if (items.length === 0 && !state)
    throw new CuratorError(
      "INVALID_FILE",
      `'${input.file}' holds no items (no non-blank lines). A library is JSONL, one item per line (see 'curator schema item'). Nothing was written.`,
    );
  if (state) checkContinues(state, items, input.file);
  const gov = resolveGovernance(input, state);
  const lastWindow = state?.history.lastPass?.window;
  const window = o.now ?? Math.max(defaultNow(items), lastWindow ?? 0);
  const cap = changeCap(items.length, gov.rules);
  const changesBefore = state?.history.changes.get(window) ?? 0;
  const budget = Math.max(0, cap - changesBefore);

  const hashes = state ? await hashing!.of(items) : undefined;
  const fresh = state
    ? items.map((it, r) => state.history.hasNewEvidence(it.id, hashes![r], window))
    : items.map(() => true);
  // Items without new evidence are shown to the curator (library-level features need them) but may only be
  // kept, so they use none of the change budget; their decisions are dropped below.
  const shown = items.map((it, r) => (fresh[r] ? it : { ...it, pinned: true }));
  const rules = {
    ...gov.rules,
    maxChangeShare: budget === 0 ? 0 : Math.min(1, (budget + 0.5) / Math.max(1, items.length)),
  };

  const executor = typeof o.executor === "string" ? resolveExecutor(o.executor) : o.executor;
  const stats = typeof o.executorStats === "string" ? readExecutorStats(o.executorStats) : o.executorStats;
  if (!executor && !stats)
    throw new CuratorError(
      "BAD_ARGUMENT",
      "Pass --executor-stats FILE with your executor's recent tasks (see docs/harness.md), or --executor PRESET|PROFILE as a fallback guess.",
    );
  const resolved = await resolveCurator(o.model);
  const seed = o.seed ?? (resolved.curator.stochastic ? 0 : null);
  try {
    const decideOptions = {
      // ages per library (observeLibrary), as every other path computes them; `window` only keys the history
      now: o.now,
      governance: rules,
      sample: seed === null ? undefined : { seed },
      executorStats: stats ? executorObservation(stats) : undefined,
      executorName: stats?.name ?? executor?.name,
      recentTasks: stats?.tasks.flatMap((t) => (t.prompt === undefined ? [] : [t.prompt])),
      structuralRules: o.structuralRules,
      onProgress: o.onProgress,
    };
    const result: DecideResult =
      items.length === 0
        ? emptyResult(resolved.modelHash, resolved.curator.name, executor, decideOptions)
        : await decideWithCurator(resolved.curator, resolved.modelHash, shown, executor, decideOptions);
    const perItem = result.decisions.map((d, r) => (fresh[r] ? d : null));
    let written: ApplySummary | null = null;
    if (out) {
      written = await writePass(
        out,
        state,
        {
          items,
          decisions: perItem,
          head: state?.head ?? null,
          curator: result.curator,
          modelHash: result.modelHash,
          time: (o.clock ?? (() => new Date()))().toISOString(),
          window,
          governance: gov.rules,
          governanceFile: gov.text !== null,
          changeCap: cap,
          changesBefore,
          archivedBefore: state?.history.archived ?? 0,
          itemHashes: hashes ?? (await hashing!.of(items)),
        },
        gov.text,
      );
    }
    const decisions = perItem.filter((d): d is Decision => d !== null);
    return {
      ...result,
      decisions,
      counts: countActions(decisions),
      items,
      unchanged: items.length - decisions.length,
      window,
      changeCap: cap,
      changesBefore,
      governance: gov.rules,
      governanceSource: gov.source,
      executor: stats?.name ?? executor?.name ?? "(harness statistics)",
      seed,
      written,
    };
  } finally {
    await resolved.curator.dispose?.();
  }
}

/** The input must hold every item the folder keeps live, and none it archived: a pass never loses an item. */
function checkContinues(state: FolderState, items: readonly LiveItem[], file: string): void {
  const ids = new Set(items.map((it) => it.id));
  const lacking: string[] = [];
  const archived: string[] = [];
  for (const [id, s] of state.history.items) {
    if (s.where === "live" && !ids.has(id)) lacking.push(id);
    if (s.where === "archive" && ids.has(id)) archived.push(id);
  }
  const list = (xs: string[]) =>
    `${xs
      .slice(0, 5)
      .map((x) => `'${x}'`)
      .join(", ")}${xs.length > 5 ? `, … (${xs.length} in all)` : ""}`;
  if (lacking.length > 0)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `'${file}' lacks ${lacking.length} item(s) that are live in '${state.dir}': ${list(lacking)}. A pass continues a folder and never drops its items: ` +
        `decide the folder's own library (--library '${state.dir}'), pass a library that contains all of them, or choose a new --out. Nothing was changed.`,
    );
  if (archived.length > 0)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${archived.length} input item(s) are already in the output folder's archive.jsonl: ${list(archived)}. ` +
        `Decide the folder's own library (--library '${state.dir}'), restore those items first (curator restore ID --from '${state.dir}'), or choose a new --out. Nothing was changed.`,
    );
}

interface ResolvedGovernance {
  rules: Governance;
  source: string | null;
  /** governance.json text the folder keeps, or null for none (default rules). */
  text: string | null;
}

/**
 * The folder's governance.json applies to every pass over it. The input library's own governance.json wins
 * only when it is at least as strict in every rule (it then becomes the folder's); a looser one is refused.
 */
function resolveGovernance(input: Input, state: FolderState | null): ResolvedGovernance {
  const given = readGovernanceFor(input.file);
  const givenText = given.source ? readFileSync(given.source, "utf8") : null;
  const folderPath = state ? join(state.dir, GOVERNANCE_FILE) : null;
  if (!folderPath || !existsSync(folderPath) || folderPath === given.source)
    return { rules: given.rules, source: given.source, text: givenText };
  const folder = readGovernanceFor(join(state!.dir, LIBRARY_FILE));
  const folderText = readFileSync(folderPath, "utf8");
  if (!given.source || canonicalJson(given.rules) === canonicalJson(folder.rules))
    return { rules: folder.rules, source: folderPath, text: folderText };
  const looser = looserRules(given.rules, folder.rules);
  if (looser.length > 0)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${given.source} is looser than the rules of the output folder (${folderPath}): ${looser.join("; ")}. The folder's rules apply to every pass over it. ` +
        `To loosen them on purpose, edit ${folderPath} (the next pass records the change in the audit log). Nothing was changed.`,
    );
  return { rules: given.rules, source: given.source, text: givenText };
}

/** A pass over a folder whose live library is empty: nothing to decide, executor statistics still reported. */
function emptyResult(
  modelHash: string,
  curator: string,
  executor: ExecutorProfile | undefined,
  o: { executorStats?: ObserveOptions["executorStats"]; executorName?: string },
): DecideResult {
  const obs = observeLibrary([], { executor, executorStats: o.executorStats, executorName: o.executorName });
  return {
    decisions: [],
    modelHash,
    curator,
    capped: 0,
    executorObservation: obs.executor,
    executorSources: obs.executorSources,
    outOfDistribution: null,
    warnings: [],
  };
}
