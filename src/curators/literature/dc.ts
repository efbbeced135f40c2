/**
 * Dynamic Cheatsheet (Suzgun et al. 2025, arXiv:2504.07952; code: suzgunmirac/dynamic-cheatsheet). After each
 * question the curator model regenerates the whole cheatsheet from the previous one and the new answer
 * (DC-Cumulative), so every item is rewritten every pass.
 *
 * Mapped onto the observation: rewrite every row the governance mask allows (a pinned item stays as it is).
 * The per-pass change cap still applies where the harness sets one, as for every curator; it is part of the
 * governance, not of the baseline.
 */
import { ruleCurator } from "./rule.js";

export const dcCurator = ruleCurator("dc", (b) => new Int8Array(b.rows).fill(2));
