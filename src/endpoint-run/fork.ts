/**
 * The endpoint harness as a forkable executor (labels/rollout.ts): a fork is a copy of the harness state (live,
 * archive, step) and of the rewrite evidence; applying actions runs the same curation calls a pass does
 * (compress / rewrite through the rewriter, retire to the archive); a step runs the next task of the stream's
 * task list on the fork with the same client and sampling settings. A task's success measure is its observed
 * outcome (1 or 0), or with `samples` > 1 the share of that many sampled answers that were right (the first
 * answer still drives the fork); its cost the USD of its calls, as for one answer, with cached prompt tokens
 * counted from the fork's own history (ownCacheClient).
 */
import { EndpointHarness, type HarnessConfig, type HarnessState } from "../executors/endpoint/harness.js";
import { applyCuration, type ChatClient } from "../executors/endpoint/curation.js";
import { DEFAULT_PRICES, type Prices } from "../executors/endpoint/profile.js";
import type { Task } from "../tasks/task.js";
import { ACTIONS } from "../actions.js";
import type { ForkableExecutor } from "../labels/rollout.js";
import { recordUses, rewriteEvidence, type UseLog } from "./pass.js";
import type { PromptMessage } from "../executors/prefix-cache.js";
import { FORK_PROMPTS, ownCacheClient } from "./own-cache.js";

/** A fork's state: JSON, so the rollout journal can keep a half-finished rollout. */
export interface EndpointFork {
  harness: HarnessState;
  uses: UseLog;
  /** the fork's own last prompts (at most FORK_PROMPTS), for the cache its calls are priced with (own-cache.ts) */
  prompts?: PromptMessage[][];
}

export interface EndpointForkSource {
  /** the library before the pass, and the rewrite evidence */
  state: HarnessState;
  uses: Readonly<UseLog>;
  executor: ChatClient;
  rewriter: ChatClient;
  harness: HarnessConfig;
  prices?: Prices;
  /** the stream's tasks: a fork at step t runs tasks[t], tasks[t + 1], … */
  tasks: readonly Task[];
  /** answers sampled per rollout task (collect --rollout-samples; default 1) */
  samples?: number;
}

export function endpointExecutor(src: EndpointForkSource): ForkableExecutor<EndpointFork> {
  return {
    fork: () => structuredClone({ harness: src.state, uses: src.uses as UseLog }),
    async apply(f, actions) {
      const decisions = f.harness.live
        .map((it, i) => ({ itemId: it.id, action: ACTIONS[actions[i]] }))
        .filter((d) => d.action !== "keep");
      if (decisions.length === 0) return 0;
      const res = await applyCuration(f.harness, decisions, ownCacheClient(src.rewriter, f, FORK_PROMPTS), {
        step: f.harness.step,
        prices: src.prices ?? DEFAULT_PRICES,
        evidence: (it) => rewriteEvidence(it, f.uses, src.tasks[f.harness.step - 1]),
      });
      f.harness = { live: res.live, archive: res.archive, step: f.harness.step };
      return res.cost;
    },
    async step(f) {
      const task = src.tasks[f.harness.step];
      const executor = ownCacheClient(src.executor, f, FORK_PROMPTS);
      const h = new EndpointHarness(executor, { ...src.harness, samples: src.samples ?? 1 }, f.harness);
      const outcome = await h.runTask(task);
      recordUses(f.uses, task, outcome.retrievedIds, outcome.success);
      f.harness = h.snapshot();
      return { success: outcome.successShare ?? (outcome.success ? 1 : 0), cost: outcome.cost };
    },
    tasksLeft: (f) => src.tasks.length - f.harness.step,
  };
}
