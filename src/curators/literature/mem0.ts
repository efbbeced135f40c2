/**
 * Mem0 (Chhikara et al. 2025, arXiv:2504.19413; code: mem0ai/mem0), in its add-only form: memories are only
 * ever added (never edited), and retrieval weights them by a recency decay, so old unused memories fade.
 *
 * Mapped onto the observation: weight = (1 + ln(1 + timesRetrieved)) · 0.5^(sinceRetrieved / HALF_LIFE);
 * an item whose weight falls below FLOOR has faded out and is retired (archived); all others are kept, never
 * rewritten or compressed (add-only). With the defaults an item never retrieved fades after ~100 tasks, one
 * retrieved 10 times after ~190. HALF_LIFE and FLOOR are ours: Mem0's decay constants were not confirmed.
 */
import { ruleCurator, perItem } from "./rule.js";

export const MEM0_PARAMS = { halfLife: 30, floor: 0.1 } as const;

export function mem0Weight(timesRetrieved: number, sinceRetrieved: number): number {
  return (1 + Math.log1p(timesRetrieved)) * 0.5 ** (sinceRetrieved / MEM0_PARAMS.halfLife);
}

export const mem0Curator = ruleCurator(
  "mem0",
  perItem((item) => (mem0Weight(item.timesRetrieved, item.sinceRetrieved) < MEM0_PARAMS.floor ? 3 : 0)),
);
