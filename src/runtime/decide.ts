/**
 * One curation pass over a library, for any Curator (ONNX model or baseline), along one straight route:
 * observe (features/observe) → featurize (features/featurizer) → mask (governance/rules) → score (the curator)
 * → choose under the cap (governance/choose) → explain (./reasons). Writing is the caller's (library/apply).
 */
import { ACTIONS, type Action, NUM_ACTIONS } from "../actions.js";
import type { LibraryItem } from "../schemas/item.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import type { Governance } from "../schemas/world.js";
import type { ExecutorObservation } from "../features/featurizer.js";
import { featurizeInto, NUM_FEATURES } from "../features/featurizer.js";
import { observeLibrary, type ExecutorStatSource } from "../features/observe.js";
import { applyMask, type Curator } from "../curators/types.js";
import { DEFAULT_GOVERNANCE, maskFor } from "../governance/rules.js";
import { chooseForReview, sampleRows } from "../governance/choose.js";
import type { SimilarityProgress } from "../text/similarity.js";
import { narrowMasks, structuralRules } from "../governance/structure.js";
import { resolveExecutor } from "../executors/presets.js";
import { Rng } from "../util/rng.js";
import { CuratorError } from "../errors.js";
import { explain, type Constraint } from "./reasons.js";
import { describeOod, outOfDistribution, type OodFeature } from "./ood.js";

export type ActionProbs = Record<Action, number>;

export interface Decision {
  id: string;
  /** The action taken: the curator's choice, unless the change cap overrode it (see `cappedFrom`). */
  action: Action;
  /** The curator's own probabilities (governance masks applied, renormalised); the cap does not change them. */
  probs: ActionProbs;
  /** Actions allowed in the end: governance, and for a capped row the cap too (shared, frozen arrays: copy before changing). */
  allowed: Action[];
  reason: string;
  /** Present when the change cap overrode the curator: the action it chose. */
  cappedFrom?: Action;
}

export interface DecideOptions {
  /** Current task index (default: the largest task index in the items' stats). */
  now?: number;
  /** Rules turned into the action mask; default DEFAULT_GOVERNANCE (10% change cap). */
  governance?: Governance;
  /** Sample actions from the probabilities with this seed instead of taking the argmax. */
  sample?: { seed: number };
  /**
   * The executor's observed statistics (see `executorObservation` to compute them from a task history). Missing
   * fields fall back to the library's pooled outcomes or the executor profile, with a warning.
   */
  executorStats?: Partial<ExecutorObservation>;
  /** Name matched against items' `author`; default: the executor profile's name. */
  executorName?: string;
  /** Texts of the executor's most recent tasks, oldest first: the items' relevance to them (see observeLibrary). */
  recentTasks?: readonly string[];
  /** Progress of the near-duplicate search (see observeLibrary). */
  onProgress?: SimilarityProgress;
  /**
   * Apply the structural rules (governance/structure.ts: called skills, exact duplicates, placeholder text, no-op
   * skills) to the mask; default true. False shows the curator's judgement alone (the expert battery compares both).
   */
  structuralRules?: boolean;
}

export interface DecideResult {
  decisions: Decision[];
  modelHash: string;
  curator: string;
  /** Rows whose retire/rewrite was withheld by the change cap. */
  capped: number;
  /** The executor statistics the features used, and where each came from. */
  executorObservation: ExecutorObservation;
  executorSources: Record<keyof ExecutorObservation, ExecutorStatSource>;
  /** Features far outside the model's training normalisation; null when the curator carries none (baselines). */
  outOfDistribution: OodFeature[] | null;
  /** What the user should know about these decisions (fallback statistics, out-of-distribution features). */
  warnings: string[];
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** The 16 possible allowed-action lists, by mask bits (keep = 1, compress = 2, rewrite = 4, retire = 8); shared, frozen. */
const ALLOWED_BY_MASK: Action[][] = Array.from(
  { length: 16 },
  (_, bits) => Object.freeze(ACTIONS.filter((_, a) => bits & (1 << a))) as Action[],
);

/** Reusable float buffers: grown when a larger library arrives, never shrunk. */
export class BatchBuffers {
  features = new Float32Array(0);
  masks = new Float32Array(0);
  ensure(rows: number): void {
    if (this.features.length < rows * NUM_FEATURES) {
      this.features = new Float32Array(rows * NUM_FEATURES);
      this.masks = new Float32Array(rows * NUM_ACTIONS);
    }
  }
}

/**
 * Decides every item. `executor` (a preset name or profile) is only a fallback for statistics the harness does
 * not pass in `options.executorStats`; it may be omitted when those are complete.
 */
export async function decideWithCurator(
  curator: Curator,
  modelHash: string,
  items: readonly LibraryItem[],
  executor: ExecutorProfile | string | undefined,
  options: DecideOptions = {},
  buffers: BatchBuffers = new BatchBuffers(),
): Promise<DecideResult> {
  const profile = typeof executor === "string" ? resolveExecutor(executor) : executor;
  const rules = options.governance ?? DEFAULT_GOVERNANCE;
  // observe
  const obs = observeLibrary(items, {
    now: options.now,
    executor: profile,
    executorName: options.executorName,
    executorStats: options.executorStats,
    recentTasks: options.recentTasks,
    onProgress: options.onProgress,
  });
  // featurize + mask
  const rows = items.length;
  buffers.ensure(rows);
  const features = buffers.features.subarray(0, rows * NUM_FEATURES);
  const masks = buffers.masks.subarray(0, rows * NUM_ACTIONS);
  const governed = { pinned: false, tags: NO_TAGS, kind: "skill" as LibraryItem["kind"], age: 0 };
  for (let r = 0; r < rows; r++) {
    featurizeInto(features, r * NUM_FEATURES, obs.observations[r], obs.executor, obs.libraryOf[r]);
    governed.pinned = items[r].pinned === true;
    governed.tags = items[r].tags ?? NO_TAGS;
    governed.kind = items[r].kind;
    governed.age = obs.observations[r].age;
    maskFor(governed, rules, masks, r * NUM_ACTIONS);
  }
  // Structure, not judgement (governance/structure.ts): called skills are never retired, exact duplicates retire
  // to one copy, placeholder text and no-op skills are rewritten or retired.
  const structure =
    options.structuralRules === false ? undefined : structuralRules(items, (r) => obs.observations[r].placeholder);
  const narrowed = structure ? narrowMasks(masks, structure.bits) : undefined;
  const ood = curator.normalization ? outOfDistribution(features, rows, curator.normalization) : null;
  // score
  const raw = await curator.probs({ rows, features, masks, items: obs.observations, executor: obs.executor });
  if (raw.length < rows * NUM_ACTIONS)
    throw new CuratorError(
      "INVALID_FILE",
      `Curator '${curator.name}' returned ${raw.length} probabilities for ${rows} items (expected ${rows * NUM_ACTIONS}).`,
    );
  const probs = applyMask(raw.slice(0, rows * NUM_ACTIONS), masks, rows);
  // choose under the cap
  const finalMasks = masks.slice();
  const sampled = options.sample ? sampleRows(probs, masks, rows, new Rng(options.sample.seed)) : undefined;
  const { chosen, cappedFrom } = chooseForReview(probs, finalMasks, rows, rules, sampled);
  // explain
  const decisions: Decision[] = new Array(rows);
  let capped = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * NUM_ACTIONS;
    const action = ACTIONS[chosen[r]];
    const from = cappedFrom[r] >= 0 ? ACTIONS[cappedFrom[r]] : undefined;
    if (from) capped++;
    let bits = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) if (finalMasks[o + a] > 0) bits |= 1 << a;
    const allowed = ALLOWED_BY_MASK[bits];
    const reason = explain({
      action,
      o: obs.observations[r],
      e: obs.executor,
      constraint: constraintOf(items[r], obs.observations[r].age, rules, masks, o, from !== undefined, narrowed?.[r]),
      structureNote: narrowed?.[r] ? structure?.why[r] : undefined,
      successSource: obs.executorSources.successRate,
      cappedFrom: from ? { action: from, p: probs[o + cappedFrom[r]] } : undefined,
    });
    decisions[r] = {
      id: items[r].id,
      action,
      probs: { keep: probs[o], compress: probs[o + 1], rewrite: probs[o + 2], retire: probs[o + 3] },
      allowed,
      reason,
    };
    if (from) decisions[r].cappedFrom = from;
  }
  const warnings = [
    ...executorWarnings(obs.executor, obs.executorSources, profile),
    ...(ood ?? []).map((f) => `out of distribution: ${describeOod(f)}`),
  ];
  return {
    decisions,
    modelHash,
    curator: curator.name,
    capped,
    executorObservation: obs.executor,
    executorSources: obs.executorSources,
    outOfDistribution: ood,
    warnings,
  };
}

function constraintOf(
  item: LibraryItem,
  age: number,
  rules: Governance,
  masks: Float32Array,
  o: number,
  capped: boolean,
  structural = false,
): Constraint {
  if (item.pinned) return "pinned";
  if (capped) return "capped";
  if (structural) return "structure";
  if (masks[o + 3] === 0) return age < rules.minAgeToRetire ? "young" : "protected";
  return null;
}

/** One warning naming every executor statistic that was not the harness's own, with the value used instead. */
function executorWarnings(
  e: ExecutorObservation,
  src: Record<keyof ExecutorObservation, ExecutorStatSource>,
  profile: ExecutorProfile | undefined,
): string[] {
  const name = profile ? `'${profile.name}'` : "";
  const parts: string[] = [];
  if (src.successRate === "library")
    parts.push(`success rate ${pct(e.successRate)} pooled from the library's outcomes`);
  if (src.successRate === "profile")
    parts.push(`success rate ${pct(e.successRate)} assumed from profile ${name} (sigmoid of baseSkill)`);
  if (src.contextBudget === "profile") parts.push(`context budget ${e.contextBudget} from profile ${name}`);
  if (src.budgetUse === "library") parts.push(`budget use ${pct(e.budgetUse)} estimated from the most-retrieved items`);
  if (parts.length === 0) return [];
  return [
    `executor statistics not supplied by the harness: ${parts.join("; ")}. Decisions depend on them; pass your executor's task history (decide --executor-stats FILE, see docs/harness.md).`,
  ];
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
