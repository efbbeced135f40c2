/**
 * ExpeL — Experiential Learners (Zhao et al. 2024, AAAI, arXiv:2308.10144; code: LeapLabTHU/ExpeL). Insights
 * carry an importance count: ADD creates an insight with count 2, AGREE (upvote) adds 1, EDIT adds 1 and
 * replaces the text, REMOVE (downvote) subtracts 1; an insight whose count reaches 0 is dropped.
 *
 * Mapped onto the observation: ADD is the item's creation (2); AGREE is a reflection crediting the item
 * (`helpful`); REMOVE is a reflection flagging it (`harmful`). EDITs are not observable separately (the
 * item's `rewrites` count is the curator's own rewrites), so they do not count. count = 2 + helpful − harmful;
 * retire at count ≤ 0, keep otherwise. Parameters as in the paper; not checked against LeapLabTHU/ExpeL's code.
 */
import { ruleCurator, perItem } from "./rule.js";

export const EXPEL_PARAMS = { addCount: 2, agree: 1, remove: -1, dropAt: 0 } as const;

export function expelCount(helpful: number, harmful: number): number {
  return EXPEL_PARAMS.addCount + EXPEL_PARAMS.agree * helpful + EXPEL_PARAMS.remove * harmful;
}

export const expelCurator = ruleCurator(
  "expel",
  perItem((item) => (expelCount(item.helpful, item.harmful) <= EXPEL_PARAMS.dropAt ? 3 : 0)),
);
