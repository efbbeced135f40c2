/**
 * SkillWorld: a seeded task stream in which a library of items rots the ways real libraries do (staleness
 * after procedure drift, drift of popularity away from what items serve, contamination by wrong items,
 * generic verbose advice) and curation actions have real, measurable effects.
 *
 * Every random draw for task t comes from generators keyed by (seed, t) or (seed, t, item id), never from a
 * shared sequential stream. Forks of a world therefore share their future exactly (common random numbers):
 * two forks that differ in one curation action differ only by that action's consequences.
 */
import type { WorldConfig } from "../schemas/world.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { Rng, hash01 } from "../util/rng.js";
import { type SimItem, cloneItem, recordOutcome, unusedCounters } from "./item.js";
import { applyCompress, applyRewrite, type ActionCost } from "./actions.js";
import { foldBudgetUse, foldSuccess } from "../features/executor-stats.js";
import { ACTION_INDEX } from "../actions.js";
import { reflect, successModel } from "./success.js";
import { drawContent, isBroken } from "./content.js";
import { RECENT_TASKS } from "../features/content.js";

export interface TaskResult {
  step: number;
  executor: number;
  family: number;
  success: boolean;
  pSuccess: number;
  contextIds: number[];
  contextCosts: number[]; // USD of each context item's prompt tokens
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  curationTokens: number;
  cost: number;
  staleHit: boolean;
  contaminationFollow: boolean;
  driftHit: boolean;
  librarySize: number;
  libraryTokens: number;
  genericShare: number;
  authored: boolean;
}

const FADED_WEIGHT = 0.03;
const SALT_NOISE = 0x51;

export class SkillWorld {
  step = 0;
  items: SimItem[] = [];
  retired: SimItem[] = [];
  familyVersion: Int32Array;
  familyWeight: Float64Array;
  execSuccess: Float64Array;
  execBudgetUse: Float64Array;
  authorFailShare: Float64Array;
  nextId = 0;
  /** families of the last RECENT_TASKS tasks, oldest first (the relevance feature reads them) */
  recentFamilies: number[] = [];
  pendingCurationCost = 0;
  pendingCurationTokens = 0;
  private lastExecutor = -1;

  constructor(
    readonly cfg: WorldConfig,
    readonly executors: readonly ExecutorProfile[],
    readonly seed: number,
    init = true,
  ) {
    this.familyVersion = new Int32Array(cfg.families);
    this.familyWeight = new Float64Array(cfg.families).fill(FADED_WEIGHT);
    this.execSuccess = new Float64Array(executors.length);
    this.execBudgetUse = new Float64Array(executors.length).fill(0.5);
    this.authorFailShare = new Float64Array(executors.length);
    if (!init) return;
    const rng = new Rng([seed, 0x1717]);
    const active = Math.min(cfg.initialActiveFamilies, cfg.families);
    for (let f = 0; f < active; f++) this.familyWeight[f] = 1;
    executors.forEach((e, i) => (this.execSuccess[i] = 1 / (1 + Math.exp(-e.baseSkill))));
    for (let i = 0; i < cfg.initialItems; i++) {
      const generic = rng.bernoulli(0.25);
      this.items.push(this.makeItem(rng, generic ? -1 : rng.int(active), 320, rng.bernoulli(0.08), -1, 0));
    }
  }

  /** Index of the executor that runs the next task. */
  get currentExecutor(): number {
    return this.step % this.executors.length;
  }

  isFaded(family: number): boolean {
    return family >= 0 && this.familyWeight[family] <= FADED_WEIGHT;
  }

  makeItem(rng: Rng, family: number, meanTokens: number, wrong: boolean, author: number, step: number): SimItem {
    const generic = family < 0;
    const tokens = Math.max(30, Math.round(meanTokens * Math.exp(0.5 * rng.normal() - 0.125)));
    const core = Math.min(tokens, Math.round(generic ? rng.uniform(40, 120) : rng.uniform(80, 220)));
    return drawContent(
      {
        id: this.nextId++,
        isSkill: rng.bernoulli(generic ? 0.2 : 0.5),
        family,
        actionability: generic ? rng.uniform(0.05, 0.3) : rng.uniform(0.35, 1),
        coreTokens: core,
        version: family >= 0 ? this.familyVersion[family] : 0,
        wrong,
        detail: 1,
        tokens,
        createdAt: step,
        author,
        ...unusedCounters(step),
        placeholder: false,
        shortGeneric: false,
        calls: -1,
      },
      this.items,
      this.seed,
    );
  }

  /**
   * The world moves (popularity shifts, then procedure drift in a popular family) and task t is drawn: its
   * family, difficulty and the uniform its success is decided by. Reads and changes only family weights and
   * versions, never the library, so the task stream of a seed is the same whatever the curation.
   */
  drawTask(rng: Rng): { family: number; difficulty: number; u: number } {
    const cfg = this.cfg;
    if (rng.bernoulli(cfg.popularityShiftRate)) this.shiftPopularity(rng);
    if (rng.bernoulli(cfg.driftRate)) this.familyVersion[rng.categorical(this.familyWeight)]++;
    const family = rng.categorical(this.familyWeight);
    const difficulty = cfg.difficultySd * rng.normal();
    const u = rng.next();
    return { family, difficulty, u };
  }

  /** Runs the next task of the stream and returns what happened. */
  runTask(): TaskResult {
    const cfg = this.cfg;
    const t = this.step;
    const ex = this.currentExecutor;
    const prof = this.executors[ex];
    const rng = new Rng([this.seed, t, 0x7a5c]);

    const { family, difficulty, u } = this.drawTask(rng);
    this.recentFamilies = [...this.recentFamilies, family].slice(-RECENT_TASKS);
    const context = this.retrieve(family, t);
    const liveIds = new Set(this.items.map((x) => x.id));
    const m = successModel({
      context,
      family,
      difficulty,
      familyVersion: this.familyVersion,
      prof,
      cfg,
      t,
      seed: this.seed,
      isFaded: (f) => this.isFaded(f),
      isBroken: (it) => isBroken(it, liveIds),
    });
    const { staleHit, follow, driftHit, ctxTokens, noticed, useful } = m;
    const p = m.pSuccess;
    const success = u < p;

    // Prompt pricing: the overhead and unchanged items that were in the previous prompt are cache reads.
    const price = cfg.prices;
    let cached = this.lastExecutor === ex ? cfg.promptOverheadTokens : 0;
    const contextCosts: number[] = [];
    for (const it of context) {
      const hit = it.lastContextAt === t - 1 && it.changedAt < t;
      if (hit) cached += it.tokens;
      contextCosts.push((it.tokens * (hit ? price.cachedInputPerMTok : price.inputPerMTok)) / 1e6);
      it.lastContextAt = t;
      recordOutcome(it, t, success);
      if (it.probation && success && ++it.probationSuccesses >= (cfg.governance.probation?.successesToGraduate ?? 0))
        it.probation = false;
    }
    const prompt = cfg.promptOverheadTokens + ctxTokens;
    // The executor's reflection (success.ts reflect): harmful / helpful flags.
    const flags = reflect({ noticed, useful }, success, t, this.seed);
    for (const it of flags.harmful) it.harmful++;
    for (const it of flags.helpful) it.helpful++;

    // Executor bookkeeping (observable), then authoring of a new item (frozen agents add to the library).
    this.execSuccess[ex] = foldSuccess(this.execSuccess[ex], success);
    this.execBudgetUse[ex] = foldBudgetUse(this.execBudgetUse[ex], ctxTokens, prof.contextBudget);
    for (const it of context)
      if (it.author >= 0)
        this.authorFailShare[it.author] += 0.05 * ((success ? 0 : 1) - this.authorFailShare[it.author]);
    let output = cfg.outputTokensPerTask;
    const a = prof.authoring;
    const authored = rng.bernoulli(a.rate);
    const generic = rng.bernoulli(a.genericRate);
    const wrong = rng.bernoulli(Math.min(1, a.errorRate * (success ? 0.6 : 1.8)));
    const itemRng = new Rng([this.seed, t, 0x17e3]);
    if (authored) {
      const it = this.makeItem(itemRng, generic ? -1 : family, a.meanTokens, wrong, ex, t + 1);
      it.writtenAfterFailure = !success;
      const gate = cfg.governance.probation;
      if (gate && this.authorFailShare[ex] > gate.failureShare) it.probation = true;
      this.items.push(it);
      output += it.tokens;
    }

    const cost =
      ((prompt - cached) * price.inputPerMTok + cached * price.cachedInputPerMTok + output * price.outputPerMTok) /
        1e6 +
      this.pendingCurationCost;
    const curationTokens = this.pendingCurationTokens;
    this.pendingCurationCost = 0;
    this.pendingCurationTokens = 0;
    this.lastExecutor = ex;
    this.step++;

    let libTokens = 0;
    let generics = 0;
    for (const it of this.items) {
      libTokens += it.tokens;
      if (it.family < 0) generics++;
    }
    return {
      step: t,
      executor: ex,
      family,
      success,
      pSuccess: p,
      contextIds: context.map((it) => it.id),
      contextCosts,
      promptTokens: prompt - cached,
      cachedTokens: cached,
      outputTokens: output,
      curationTokens,
      cost,
      staleHit,
      contaminationFollow: follow,
      driftHit,
      librarySize: this.items.length,
      libraryTokens: libTokens,
      genericShare: this.items.length ? generics / this.items.length : 0,
      authored,
    };
  }

  /** Top-k by noisy relevance, best first. */
  private retrieve(family: number, t: number): SimItem[] {
    const k = this.cfg.retrievalK;
    const top: SimItem[] = [];
    const score: number[] = [];
    const sigma = this.cfg.relevanceNoise;
    const penalty = this.cfg.governance.probation?.rankPenalty ?? 0;
    for (const it of this.items) {
      const base = it.family === family ? 1 : it.family < 0 ? this.cfg.genericRelevance : 0.25;
      const u1 = 1 - hash01(it.id, t, this.seed ^ SALT_NOISE);
      const u2 = hash01(t, it.id, this.seed ^ SALT_NOISE);
      const s = base + sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) - (it.probation ? penalty : 0);
      if (top.length < k || s > score[top.length - 1]) {
        let j = Math.min(top.length, k - 1);
        if (top.length < k) {
          top.push(it);
          score.push(s);
        }
        while (j > 0 && score[j - 1] < s) {
          top[j] = top[j - 1];
          score[j] = score[j - 1];
          j--;
        }
        top[j] = it;
        score[j] = s;
      }
    }
    return top;
  }

  private shiftPopularity(rng: Rng): void {
    const active: number[] = [];
    const faded: number[] = [];
    this.familyWeight.forEach((w, f) => (w > FADED_WEIGHT ? active : faded).push(f));
    if (faded.length === 0 || active.length === 0) return;
    this.familyWeight[active[rng.int(active.length)]] = FADED_WEIGHT;
    this.familyWeight[faded[rng.int(faded.length)]] = rng.uniform(0.5, 1.5);
  }

  /** Applies one action to the live item at `index`; retire moves it to the archive. */
  applyAction(index: number, action: number): ActionCost {
    const it = this.items[index];
    let c: ActionCost = { cost: 0, tokens: 0 };
    if (action === ACTION_INDEX.compress) c = applyCompress(it, this.cfg, this.step);
    else if (action === ACTION_INDEX.rewrite) c = applyRewrite(this, it);
    this.pendingCurationCost += c.cost;
    this.pendingCurationTokens += c.tokens;
    return c;
  }

  /**
   * Applies one action per live item (index-aligned with `items`), then moves retired items to the archive.
   * Returns each action's cost (USD).
   */
  applyActions(actions: ArrayLike<number>): Float64Array {
    const costs = new Float64Array(this.items.length);
    const keep: SimItem[] = [];
    const archived: SimItem[] = [];
    for (let i = 0; i < this.items.length; i++) {
      costs[i] = this.applyAction(i, actions[i]).cost;
      if (actions[i] === ACTION_INDEX.retire) archived.push(this.items[i]);
      else keep.push(this.items[i]);
    }
    this.items = keep;
    // Copy on write: forks share the archive list with their parent, so never push into it.
    if (archived.length) this.retired = this.retired.concat(archived);
    return costs;
  }

  fork(): SkillWorld {
    const w = new SkillWorld(this.cfg, this.executors, this.seed, false);
    w.step = this.step;
    w.items = this.items.map(cloneItem);
    w.retired = this.retired; // archived items never change; shared until either side retires (copy on write)
    w.familyVersion = this.familyVersion.slice();
    w.familyWeight = this.familyWeight.slice();
    w.execSuccess = this.execSuccess.slice();
    w.execBudgetUse = this.execBudgetUse.slice();
    w.authorFailShare = this.authorFailShare.slice();
    w.nextId = this.nextId;
    w.recentFamilies = this.recentFamilies;
    w.pendingCurationCost = this.pendingCurationCost;
    w.pendingCurationTokens = this.pendingCurationTokens;
    w.lastExecutor = this.lastExecutor;
    return w;
  }
}
