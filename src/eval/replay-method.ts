/** The replay report's fixed text: what each label means and how the decisions were made and scored. */
import type { ImportFormat } from "../import/types.js";
import type { LabelKey } from "./replay.js";
import { MIN_CLASS_FOR_AUC } from "./stats.js";
import { DEAD_WEIGHT_MIN_CONTEXTS } from "./replay-load.js";

/** What each proxy label means for each source (what the importer read it from). */
export const LABEL_MEANING: Record<ImportFormat, Record<LabelKey, string>> = {
  voyager: {
    rewrittenLater:
      "a later file version of the same skill exists (`NameV2.js`, …, or a changed text in a later checkpoint)",
    removedLater: "the skill's name is missing from the final `skills.json`",
    neverUsed:
      "no other skill's code calls it (Voyager logs no retrievals, so a skill the agent ran directly still counts as never used)",
  },
  "dynamic-cheatsheet": {
    rewrittenLater:
      "the memory item's text changed in a later cheatsheet (followed by exact text, else MinHash similarity)",
    removedLater:
      "the item is missing from the run's last cheatsheet, unless it left where the model elided part of its cheatsheet (`[Previous … preserved]`: marked elided, not removed); retrieval runs keep every previous solution: always false there",
    neverUsed:
      "the cheatsheet's own `** Count: N **` never rose above 1 while in context (unknown without a count; previous solutions: false)",
  },
  "ace-playbook": {
    rewrittenLater: "the rule's text changed in a later playbook snapshot (unknown for playbooks with one snapshot)",
    removedLater: "the rule is missing from the run's latest playbook (unknown for playbooks with one snapshot)",
    neverUsed: "helpful + harmful counters both 0, when the playbook carries counters (these do not)",
  },
  "agent-s": {
    rewrittenLater: "the key's text changed at a later commit (unknown for memories with one commit)",
    removedLater: "the key is missing at the latest commit (unknown for memories with one commit)",
    neverUsed: "unknown: Agent-S logs no retrievals",
  },
  "tau-bench": {
    rewrittenLater: "unknown: tau-bench never edits its policy",
    removedLater: "unknown: tau-bench never edits its policy",
    neverUsed: "unknown",
  },
};

/** What the credited labels mean (the same for every source that has them). */
export const CREDITED_MEANING: Record<"harmful" | "helpful" | "deadWeight", string> = {
  harmful:
    "credited paired uplift < 0 over the tasks after the decision point: the items the run marked as used cost more correct answers than they gained, against the same prompt without memory",
  helpful: "credited paired uplift > 0 over the same tasks",
  deadWeight: `in context for ≥ ${DEAD_WEIGHT_MIN_CONTEXTS} tasks after the decision point (with a known paired outcome), never marked used`,
};

export const CREDITED_STATEMENT =
  "**Credited paired uplift** is the real-outcome label: per task, d = correct(with memory) − correct(same prompt, no memory); d is " +
  "credited only to the items the source itself marks as used for that task (a usage count rising after it, the task added to an " +
  "item's reference list, the retrieved items); an item lineage's uplift is the sum of its credits. It needs a same-prompt run " +
  "without memory (Dynamic Cheatsheet's `EmptyCheatsheet`): a run without one gets no credited label, and a different prompt " +
  "(`Baseline`) is never used in its place. One task's d is shared by every item marked used for it, so credit is not proof " +
  "of cause; the noise floor (two runs without memory disagreeing) says how much of d is run-to-run variation.";

export const PROXY_STATEMENT =
  "**The proxy labels (rewritten later, removed later, never used) are not ground truth.** They record what the agent that wrote the library did next, not " +
  "what should have been done: an item removed later may have been fine (dropped for space, or by mistake), a rewrite " +
  "may have been cosmetic, an item in context when a question went wrong need not have caused the mistake, and " +
  '"never used" only reflects what the source logs. Read precision and recall against the base rate (the share ' +
  "of labelled items that are positive: what flagging at random would score), and read them as agreement with the " +
  "agent's own later edits, not as correctness.";

export const METHOD = [
  "Protocol (leak-free): a curator decides each unit on the library state BEFORE the evidence that defines its label, and " +
    "the unit is scored only on what happens after. A state is the library as it stood before its task; where the source " +
    "lists the items in context per task (Dynamic Cheatsheet), successes, failures and last use are recomputed from the " +
    "events of earlier tasks only, never the state's own task. Elsewhere the imported statistics are used, which hold only " +
    "creation order and rewrite counts. Near-duplicate similarity is recomputed within each state.",
  "Credited units: one per item lineage. Its in-context tasks with a known paired outcome are split in half; the lineage " +
    "is decided in the state before the first task of the second half (first half = evidence the curator sees), and " +
    "labelled by the credits of the second half only.",
  "Proxy units: one per item version, decided in the last state that holds it, before the agent's next edit (the " +
    "rewrite or removal that defines the proxy). A version no snapshot holds (e.g. Voyager's `NameV2.js` when " +
    "`NameV3.js` exists) is decided in a reconstructed state: the final library with that version in place of its " +
    "lineage's final version. The whole state is decided together, so the change cap and the library features see the " +
    "library as it stood.",
  'Null labels are left out of each score, and counted. "any" = removed later OR never used, over the proxies the source ' +
    'knows; "changed later" = rewritten later OR removed later.',
  `AUCs rank the curator's P(retire) (P(keep) against helpful, P(rewrite) against rewritten later) from the pass without change cap; ` +
    `each comes with its 95% bootstrap CI (positives and negatives resampled separately, 1,000 resamples) and its class counts ` +
    `(+ positives / − negatives). No AUC is given when the smaller class holds fewer than ${MIN_CLASS_FOR_AUC} units ("too few"), ` +
    "a class is empty, or the curator gives every unit the same probability (`none`, `random`). Decisions are the argmax, " +
    "except `random`, which samples with a per-state seed derived from --seed.",
  "Paired uplift of a whole run: McNemar's exact test on the tasks only one of the two runs got right. Noise floor: the " +
    "same count between two runs without memory; where they differ in prompt (Baseline vs EmptyCheatsheet) it is an upper " +
    "bound on run-to-run noise.",
  "Governance: every state is decided under the default rules (at most 10% of the library retired or rewritten per " +
    "pass, at least one item) and again with no change cap; both are shown, because the cap alone bounds recall.",
  "Final library: the curator's pass over each library's final state; retired items removed, compressed items keep " +
    "the compress ratio of their tokens, rewrites keep their length.",
];
