/**
 * What curation actions do to an item in SkillWorld. compress cuts tokens and loses detail once it cuts into
 * the useful core; rewrite regenerates the item against current evidence (usually fixing staleness and
 * wrongness) and resets its outcome counters, since they described the old content. Both are LLM calls with a
 * token cost, priced without caching.
 */
import type { WorldConfig } from "../schemas/world.js";
import type { SimItem } from "./item.js";
import { Rng } from "../util/rng.js";

export interface ActionCost {
  cost: number;
  tokens: number;
}

const INSTRUCTION_TOKENS = 150;
/** Detail a sound item keeps through a rewrite (uniform between min and max). */
export const REWRITE_COLLAPSE = { min: 0.6, max: 0.9 } as const;

function callCost(cfg: WorldConfig, input: number, output: number): ActionCost {
  return {
    cost: (input * cfg.prices.inputPerMTok + output * cfg.prices.outputPerMTok) / 1e6,
    tokens: input + output,
  };
}

export function applyCompress(it: SimItem, cfg: WorldConfig, step: number): ActionCost {
  const before = it.tokens;
  const after = Math.max(20, Math.round(before * cfg.compress.ratio));
  if (after < it.coreTokens) {
    it.detail *= Math.pow(after / it.coreTokens, cfg.compress.detailExponent);
    it.coreTokens = after;
  }
  it.tokens = after;
  it.compressions++;
  it.changedAt = step;
  return callCost(cfg, before + INSTRUCTION_TOKENS, after);
}

/** What a rewrite reads from the world: its config, the seed and step of its generator, the current procedure versions. */
export interface RewriteContext {
  readonly cfg: WorldConfig;
  readonly seed: number;
  readonly step: number;
  readonly familyVersion: ArrayLike<number>;
}

export function applyRewrite(world: RewriteContext, it: SimItem): ActionCost {
  const cfg = world.cfg;
  const rng = new Rng([world.seed, world.step, it.id, 0x3e3]);
  const before = it.tokens;
  // A sound item (current, correct, real text, never compressed into its core) has nothing for a rewrite to fix.
  const stale = it.family >= 0 && it.version < world.familyVersion[it.family];
  const sound = !it.wrong && !stale && !it.placeholder && it.detail >= 1;
  if (rng.bernoulli(cfg.rewrite.fixProbability)) {
    it.wrong = false;
    if (it.family >= 0) {
      it.version = world.familyVersion[it.family];
      if (!sound) it.actionability = Math.max(it.actionability, rng.uniform(0.5, 1));
    }
  }
  if (it.placeholder) {
    // regenerated from evidence: real content now (generic items stay weakly actionable)
    it.placeholder = false;
    it.actionability = it.family >= 0 ? rng.uniform(0.5, 1) : rng.uniform(0.05, 0.3);
  }
  it.coreTokens = Math.max(it.coreTokens, 60);
  it.tokens = Math.round(it.coreTokens * rng.uniform(1.1, 1.5));
  // Regenerating sound content from evidence loses some of its specific detail (ACE's "context collapse" and
  // "brevity bias", Zhang et al. 2025); flawed content is replaced by what the evidence shows.
  it.detail = sound ? rng.uniform(REWRITE_COLLAPSE.min, REWRITE_COLLAPSE.max) : 1;
  it.rewrites++;
  it.changedAt = world.step;
  it.successes = it.failures = 0;
  it.recentBits = it.recentLen = 0;
  it.helpful = it.harmful = 0;
  it.writtenAfterFailure = false;
  return callCost(cfg, before + cfg.rewrite.evidenceTokens + INSTRUCTION_TOKENS, it.tokens);
}
