/**
 * Human-readable reasons for a decision: the governance constraint that shaped it, then the dominant
 * observable signals behind the curator's choice (flagged harmful, unused for N tasks, failing or helping vs the
 * executor, long vs the budget, near-duplicates, a recent failure spike). Thresholds here only pick what to
 * mention; they do not decide anything. Every number a reason cites is the observation's own (raw counts and
 * the rates computed from them), so a reason can be checked against the item's stats.
 */
import type { Action } from "../actions.js";
import type { ExecutorObservation, ItemObservation } from "../features/featurizer.js";
import type { ExecutorStatSource } from "../features/observe.js";

export const REASON_THRESHOLDS = {
  unusedTasks: 30,
  /** An item's raw success rate must differ from the executor's by this much to be called failing / helping. */
  rateGap: 0.15,
  minOutcomes: 3,
  longShare: 0.1,
  spikeFailures: 2,
} as const;

export type Constraint = "pinned" | "protected" | "young" | "capped" | "structure" | null;

const ACTION_SIGNALS: Record<Action, readonly Signal[]> = {
  keep: ["helpful", "used"],
  compress: ["long", "duplicates"],
  rewrite: ["flagged", "spike", "failing", "unused"],
  retire: ["flagged", "failing", "unused", "duplicates", "spike"],
};
type Signal = "unused" | "failing" | "long" | "duplicates" | "spike" | "flagged" | "helpful" | "used";

const SOURCE_TEXT: Record<ExecutorStatSource, string> = {
  harness: "executor's recent success",
  library: "success across the library",
  profile: "success assumed from the executor profile",
};

export interface ExplainInput {
  /** The final action. */
  action: Action;
  o: ItemObservation;
  e: ExecutorObservation;
  constraint: Constraint;
  /** Where the executor's success rate came from (named in the reason). */
  successSource?: ExecutorStatSource;
  /** For a capped row: the curator's own choice and its probability (its signals are the ones explained). */
  cappedFrom?: { action: Action; p: number };
  /** With constraint "structure": which rule narrowed the item's actions and why. */
  structureNote?: string;
}

function signalText(s: Signal, o: ItemObservation, e: ExecutorObservation, source: ExecutorStatSource): string | null {
  const T = REASON_THRESHOLDS;
  const outcomes = o.successes + o.failures;
  const rate = outcomes > 0 ? o.successes / outcomes : 0;
  // A source that logs no retrievals (Voyager) must not be reported as "never retrieved".
  if ((s === "unused" || s === "used") && o.retrievalsLogged === false) return null;
  switch (s) {
    case "unused":
      if (o.sinceRetrieved < T.unusedTasks) return null;
      return o.timesRetrieved === 0 ? `never retrieved in ${o.age} tasks` : `unused for ${o.sinceRetrieved} tasks`;
    case "failing":
      if (outcomes < T.minOutcomes || rate > e.successRate - T.rateGap) return null;
      return `failing: ${o.successes} of ${outcomes} tasks with it succeeded (${pct(rate)}) vs ${pct(e.successRate)} ${SOURCE_TEXT[source]}`;
    case "helpful":
      if (outcomes < T.minOutcomes || rate < e.successRate + T.rateGap) return null;
      return `helps: ${o.successes} of ${outcomes} tasks with it succeeded (${pct(rate)}) vs ${pct(e.successRate)} ${SOURCE_TEXT[source]}`;
    case "long": {
      const share = o.tokens / Math.max(1, e.contextBudget);
      return share < T.longShare ? null : `long vs budget (${o.tokens} tokens = ${pct(share)} of ${e.contextBudget})`;
    }
    case "duplicates":
      return o.nearDuplicates === 0
        ? null
        : `${o.nearDuplicates} near-duplicate(s) (max similarity ${o.maxSimilarity.toFixed(2)})`;
    case "flagged":
      return o.harmful === 0 || o.harmful < o.helpful
        ? null
        : `flagged harmful ${o.harmful} time(s) (helpful ${o.helpful})`;
    case "spike":
      if (o.recentFailures < T.spikeFailures || o.recentFailures <= o.recentSuccesses) return null;
      return `recent failures ${o.recentFailures} of ${o.recentFailures + o.recentSuccesses}`;
    case "used":
      return o.timesRetrieved === 0 ? null : `retrieved ${o.timesRetrieved} times, last ${o.sinceRetrieved} tasks ago`;
  }
}

const CONSTRAINT_TEXT: Record<Exclude<Constraint, null>, string> = {
  pinned: "pinned (only keep allowed)",
  protected: "protected from retirement (tag/kind rule)",
  young: "too young to retire",
  capped: "change cap reached this pass",
  structure: "structural rule",
};

/** At most three fragments: the constraint (if any), then the signals of the curator's choice that fire, in order. */
export function explain(x: ExplainInput): string {
  const wanted = x.cappedFrom?.action ?? x.action;
  const constraint = !x.constraint
    ? ""
    : x.constraint === "structure" && x.structureNote
      ? `structural rule: ${x.structureNote}`
      : CONSTRAINT_TEXT[x.constraint];
  let out =
    x.constraint && x.cappedFrom
      ? `${constraint}: the curator chose ${x.cappedFrom.action} (p ${x.cappedFrom.p.toFixed(3)}), ${x.action} instead`
      : constraint;
  let n = x.constraint ? 1 : 0;
  const signals = ACTION_SIGNALS[wanted];
  for (let i = 0; i < signals.length && n < 3; i++) {
    const t = signalText(signals[i], x.o, x.e, x.successSource ?? "harness");
    if (t === null) continue;
    out = n === 0 ? t : `${out}; ${t}`;
    n++;
  }
  if (n > 0) return out;
  return wanted === "keep" ? "no strong signal" : "model preference; no single dominant signal";
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
