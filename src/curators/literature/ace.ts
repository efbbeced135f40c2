/**
 * ACE — Agentic Context Engineering (Zhang et al. 2025, arXiv:2510.04618; code: ace-agent/ace,
 * ace-agent/ace-appworld). The playbook's bullets carry helpful/harmful counters that the Reflector updates
 * after each task; the Curator's "grow-and-refine" step de-duplicates bullets by embedding similarity and
 * prunes bullets that hurt.
 *
 * Mapped onto the observation:
 *  - prune: retire when `harmful > helpful` (the item's reflection counters, ItemObservation.helpful/harmful);
 *  - de-duplicate: items whose `maxSimilarity ≥ DEDUP_THRESHOLD` and that share the same maxSimilarity value
 *    (the two ends of one most-similar pair see the same number; for exact copies, similarity 1, also the same
 *    token length) form a group; the one with the best
 *    helpful − harmful (then more helpful, then older, then earlier row) is kept, the rest retired.
 *    The observation does not name an item's partner, so a duplicate whose most similar item is a third one
 *    is kept (a conservative approximation of ACE's pairwise merge, which merges rather than retires).
 * Parameters: the 0.9 cosine threshold is the value community re-implementations attribute to the paper;
 * the prune rule "harmful > helpful" is the statement. Neither was confirmed in ace-agent's own code.
 */
import type { DecisionBatch } from "../types.js";
import { ruleCurator } from "./rule.js";

export const ACE_PARAMS = { dedupThreshold: 0.9 } as const;

export function acePolicy(b: DecisionBatch): Int8Array {
  const out = new Int8Array(b.rows);
  const groups = new Map<string, number[]>();
  for (let r = 0; r < b.rows; r++) {
    const item = b.items[r];
    if (item.harmful > item.helpful) out[r] = 3;
    else if (item.maxSimilarity >= ACE_PARAMS.dedupThreshold) {
      // Exact copies all see similarity 1, so their token length tells one pair from another.
      const key = item.maxSimilarity >= 0.9999 ? `1:${item.tokens}` : `${Math.round(item.maxSimilarity * 1e4)}`;
      const group = groups.get(key);
      if (group) group.push(r);
      else groups.set(key, [r]);
    }
  }
  for (const rows of groups.values()) {
    if (rows.length < 2) continue;
    const score = (r: number) => b.items[r].helpful - b.items[r].harmful;
    const best = rows.reduce((x, y) =>
      score(y) > score(x) ||
      (score(y) === score(x) &&
        (b.items[y].helpful > b.items[x].helpful ||
          (b.items[y].helpful === b.items[x].helpful && b.items[y].age > b.items[x].age)))
        ? y
        : x,
    );
    for (const r of rows) if (r !== best) out[r] = 3;
  }
  return out;
}

export const aceCurator = ruleCurator("ace", acePolicy);
