/** A simulated library item: hidden truth (the curator never sees it) plus the observable counters. */
export interface SimItem {
  id: number;
  isSkill: boolean;
  // hidden truth
  family: number; // -1 = generic (serves every family a little)
  actionability: number; // 0..1
  coreTokens: number; // the useful part; the rest is verbosity
  version: number; // procedure version it was written for
  wrong: boolean; // wrong from the start (contamination)
  detail: number; // 1, reduced when compression cuts into the core
  placeholder: boolean; // written as a placeholder (elided / empty text): nothing actionable (world/content.ts)
  shortGeneric: boolean; // very short generic advice
  calls: number; // id of the skill it calls, -1 = none; broken once that skill leaves the live library
  // observable
  tokens: number;
  createdAt: number;
  author: number; // executor index, -1 = seeded library
  writtenAfterFailure: boolean;
  lastRetrievedAt: number; // -1 = never
  timesRetrieved: number;
  successes: number;
  failures: number;
  recentBits: number; // outcome bits of the last retrievals, newest in bit 0 (1 = success)
  recentLen: number;
  helpful: number;
  harmful: number;
  rewrites: number;
  compressions: number;
  changedAt: number; // task index of the last content change (for cache pricing)
  lastContextAt: number; // task index it was last in a prompt
  probation: boolean;
  probationSuccesses: number;
}

/** The observable counters of an item nobody has used yet (its content last changed at `changedAt`). */
export function unusedCounters(changedAt: number) {
  return {
    writtenAfterFailure: false,
    lastRetrievedAt: -1,
    timesRetrieved: 0,
    successes: 0,
    failures: 0,
    recentBits: 0,
    recentLen: 0,
    helpful: 0,
    harmful: 0,
    rewrites: 0,
    compressions: 0,
    changedAt,
    lastContextAt: -2,
    probation: false,
    probationSuccesses: 0,
  };
}

export function cloneItem(it: SimItem): SimItem {
  return { ...it };
}

export function recentCounts(it: SimItem, window: number): { s: number; f: number } {
  const n = Math.min(it.recentLen, window);
  let s = 0;
  for (let b = 0; b < n; b++) s += (it.recentBits >>> b) & 1;
  return { s, f: n - s };
}

export function recordOutcome(it: SimItem, step: number, success: boolean): void {
  it.timesRetrieved++;
  it.lastRetrievedAt = step;
  if (success) it.successes++;
  else it.failures++;
  it.recentBits = ((it.recentBits << 1) | (success ? 1 : 0)) & 0x3fffffff;
  it.recentLen = Math.min(30, it.recentLen + 1);
}
