/**
 * Hermes Agent's skill curator (Nous Research, hermes-agent; docs: hermes-agent.nousresearch.com/docs/
 * user-guide/features/curator). Its deterministic pass moves a skill unused for `stale_after_days` (30) to
 * "stale" and one unused for `archive_after_days` (90) to the archive (recoverable, never deleted); pinned
 * skills bypass every transition. A second, LLM-driven pass may patch or merge skills; it is not reproduced.
 *
 * Mapped onto the observation: days → tasks, "unused" → `sinceRetrieved` (tasks since last retrieved, or since
 * written when never retrieved: Hermes also counts creation as activity). Archived → retire. Stale is a
 * lifecycle label that leaves the skill's text unchanged, so it maps to keep (STALE_ACTION). Pins are respected
 * through the governance mask: a pinned item only allows keep.
 * Parameters confirmed from the Hermes documentation: 30 and 90 (days there, tasks here).
 */
import { ruleCurator, perItem } from "./rule.js";

export const HERMES_PARAMS = { staleAfter: 30, archiveAfter: 90, staleAction: 0 } as const;

export const hermesCurator = ruleCurator(
  "hermes",
  perItem((item) =>
    item.sinceRetrieved >= HERMES_PARAMS.archiveAfter
      ? 3
      : item.sinceRetrieved >= HERMES_PARAMS.staleAfter
        ? HERMES_PARAMS.staleAction
        : 0,
  ),
);
