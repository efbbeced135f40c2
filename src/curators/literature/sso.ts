/**
 * SSO — Skill Set Optimization (Nottingham et al. 2024, ICML, arXiv:2402.03244). Skills are extracted from
 * high-reward sub-trajectories and pruned when, used in later episodes, they stop leading to reward.
 *
 * Mapped onto the observation: "used recently" is the item's recent window (recentSuccesses + recentFailures
 * retrievals, the harness's window); "stops leading to reward" is no success in it. Retire an item retrieved at
 * least MIN_RECENT_USES times in the window with recentSuccesses = 0; keep otherwise. Earlier rewards do not
 * protect it. MIN_RECENT_USES is our choice (the paper's exact pruning test was not confirmed).
 */
import { ruleCurator, perItem } from "./rule.js";

export const SSO_PARAMS = { minRecentUses: 3 } as const;

export const ssoCurator = ruleCurator(
  "sso",
  perItem((item) => (item.recentSuccesses === 0 && item.recentFailures >= SSO_PARAMS.minRecentUses ? 3 : 0)),
);
