/**
 * Human-readable reasons for a decision: the governance constraint that shaped it, then the dominant
 * observable signals behind the chosen action (flagged harmful, unused for N tasks, failing vs the executor,
 * long vs the budget, near-duplicates, a recent failure spike). Thresholds here only pick what to mention; they do not
 * decide anything.
 */
import type { Action } from "../actions.js";
import type { ExecutorObservation, ItemObservation } from "../features/featurizer.js";

export const REASON_THRESHOLDS = {
  unusedTasks: 30,
  failingGap: 0.15,
  failingMinOutcomes: 3,
  longShare: 0.1,
  spikeFailures: 2,
} as const;

export type Constraint = "pinned" | "protected" | "young" | "capped" | null;

const ACTION_SIGNALS: Record<Action, readonly Signal[]> = {
  keep: ["helpful", "used"],
  compress: ["long", "duplicates"],
  rewrite: ["flagged", "spike", "failing", "unused"],
  retire: ["flagged", "failing", "unused", "duplicates", "spike"],
};
type Signal = "unused" | "failing" | "long" | "duplicates" | "spike" | "flagged" | "helpful" | "used";

function signalText(s: Signal, o: ItemObservation, e: ExecutorObservation): string | null {
  const T = REASON_THRESHOLDS;
  const outcomes = o.successes + o.failures;
  const rate = (o.successes + 1) / (outcomes + 2);
  // A source that logs no retrievals (Voyager) must not be reported as "never retrieved".
  if ((s === "unused" || s === "used") && o.retrievalsLogged === false) return null;
  switch (s) {
    case "unused":
      if (o.sinceRetrieved < T.unusedTasks) return null;
      return o.timesRetrieved === 0 ? `never retrieved in ${o.age} tasks` : `unused for ${o.sinceRetrieved} tasks`;
    case "failing":
      if (outcomes < T.failingMinOutcomes || rate > e.successRate - T.failingGap) return null;
      return `failing vs executor (${pct(rate)} success with it vs ${pct(e.successRate)} overall)`;
    case "long": {
      const share = o.tokens / Math.max(1, e.contextBudget);
      return share < T.longShare ? null : `long vs budget (${o.tokens} tokens = ${pct(share)} of ${e.contextBudget})`;
    }
    case "duplicates":
      return o.nearDuplicates === 0 ? null : `${o.nearDuplicates} near-duplicate(s) (max similarity ${o.maxSimilarity.toFixed(2)})`;
    case "flagged":
      return o.harmful === 0 || o.harmful < o.helpful ? null : `flagged harmful ${o.harmful} time(s) (helpful ${o.helpful})`;
    case "spike":
      if (o.recentFailures < T.spikeFailures || o.recentFailures <= o.recentSuccesses) return null;
      return `recent failures ${o.recentFailures} of ${o.recentFailures + o.recentSuccesses}`;
    case "helpful":
      if (outcomes < T.failingMinOutcomes || rate < e.successRate) return null;
      return `helps (${pct(rate)} success with it vs ${pct(e.successRate)} overall)`;
    case "used":
      return o.timesRetrieved === 0 ? null : `retrieved ${o.timesRetrieved} times, last ${o.sinceRetrieved} tasks ago`;
  }
}

const CONSTRAINT_TEXT: Record<Exclude<Constraint, null>, string> = {
  pinned: "pinned (only keep allowed)",
  protected: "protected from retirement (tag/kind rule)",
  young: "too young to retire",
  capped: "change cap reached this pass (retire/rewrite withheld)",
};

/** At most three fragments: the constraint (if any), then the action's signals that fire, in order. */
export function explain(action: Action, o: ItemObservation, e: ExecutorObservation, constraint: Constraint): string {
  let out = constraint ? CONSTRAINT_TEXT[constraint] : "";
  let n = constraint ? 1 : 0;
  const signals = ACTION_SIGNALS[action];
  for (let i = 0; i < signals.length && n < 3; i++) {
    const t = signalText(signals[i], o, e);
    if (t === null) continue;
    out = n === 0 ? t : `${out}; ${t}`;
    n++;
  }
  if (n > 0) return out;
  return action === "keep" ? "no strong signal" : "model preference; no single dominant signal";
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
