/**
 * The success model of SkillWorld: the log-odds of one task given the items in its context. One definition,
 * used by the in-process world (world.ts) and by the reference server (src/executors/reference), which
 * rebuilds the items from the text that reached the prompt.
 */
import type { WorldConfig } from "../schemas/world.js";
import type { ExecutorProfile } from "../schemas/executor.js";
import { hash01 } from "../util/rng.js";
import type { SimItem } from "./item.js";

export const SALT_NOTICE = 0x52;
const SALT_CREDIT = 0x53;

/** The parts of an item the success model reads. */
export type SuccessItem = Pick<
  SimItem,
  "id" | "family" | "tokens" | "coreTokens" | "version" | "wrong" | "actionability" | "detail"
>;

export interface SuccessInput<T extends SuccessItem> {
  /** items in the prompt, in rank order (the budget cut keeps a prefix) */
  context: readonly T[];
  family: number;
  difficulty: number;
  /** procedure version of each family at this task */
  familyVersion: ArrayLike<number>;
  prof: ExecutorProfile;
  cfg: WorldConfig;
  /** task index and world seed: key the per-item "noticed" draws */
  t: number;
  seed: number;
  isFaded: (family: number) => boolean;
  /** a skill whose callee was retired: it misleads like a wrong item (world/content.ts; default: never) */
  isBroken?: (item: T) => boolean;
}

export interface SuccessOutcome<T extends SuccessItem> {
  pSuccess: number;
  staleHit: boolean;
  /** a wrong item was followed */
  follow: boolean;
  driftHit: boolean;
  ctxTokens: number;
  /** stale or wrong items the executor noticed (and ignored) */
  noticed: T[];
  /** relevant, current, correct items it used */
  useful: T[];
}

export function successModel<T extends SuccessItem>(x: SuccessInput<T>): SuccessOutcome<T> {
  const { context, family, prof, cfg, t, seed } = x;
  // The prompt holds all top-k items, but the executor can only use what fits its context budget (in rank
  // order); whatever lies beyond is overflow it drowns in: no help, no harm, only distraction.
  let usable = 0;
  for (let fit = 0; usable < context.length && fit + context[usable].tokens <= prof.contextBudget; usable++)
    fit += context[usable].tokens;

  let help = 1;
  let z = prof.baseSkill - x.difficulty;
  let noiseTokens = 0;
  let staleHit = false;
  let follow = false;
  let driftHit = false;
  let ctxTokens = 0;
  const noticed: T[] = [];
  const useful: T[] = [];
  for (const [rank, it] of context.entries()) {
    ctxTokens += it.tokens;
    if (x.isFaded(it.family)) driftHit = true;
    const relevant = it.family === family;
    if (rank >= usable || (!relevant && it.family >= 0)) {
      noiseTokens += it.tokens;
      continue;
    }
    noiseTokens += relevant ? it.tokens - it.coreTokens : 0.5 * it.tokens;
    const stale = relevant && it.version < x.familyVersion[family];
    if (stale) staleHit = true;
    const broken = x.isBroken?.(it) ?? false;
    if (it.wrong || stale || broken) {
      if (hash01(it.id, t, seed ^ SALT_NOTICE) >= prof.verification) {
        z -= it.wrong || broken ? cfg.wrongPenalty : cfg.stalePenalty;
        if (it.wrong) follow = true;
      } else noticed.push(it);
    } else {
      help *= 1 - 0.8 * it.actionability * it.detail;
      useful.push(it);
    }
  }
  z += prof.utilization * 1.6 * (1 - help) - (prof.distraction * noiseTokens) / 1000;
  return { pSuccess: 1 / (1 + Math.exp(-z)), staleHit, follow, driftHit, ctxTokens, noticed, useful };
}

/**
 * The executor's reflection on one task (as ACE's reflector tags bullets): items it caught being wrong or out of
 * date are flagged harmful; after a success, each useful item is credited helpful with probability
 * actionability × detail (a draw keyed by item, task and seed). One definition for the in-process world and the
 * reference server's answer to the harness's reflection prompt.
 */
export function reflect<T extends SuccessItem>(
  m: Pick<SuccessOutcome<T>, "noticed" | "useful">,
  success: boolean,
  t: number,
  seed: number,
): { helpful: T[]; harmful: T[] } {
  const helpful = success
    ? m.useful.filter((it) => hash01(it.id, t, seed ^ SALT_CREDIT) < it.actionability * it.detail)
    : [];
  return { helpful, harmful: m.noticed };
}
