import { Rng } from "./util/rng.js";

/**
 * Stream seeds by purpose. Training data and evaluation draw from separate domains, so evaluation streams
 * never replay a training stream (eval also checks against the seeds a model card lists).
 */
export type SeedDomain = "collect" | "eval";
const DOMAIN_SALT: Record<SeedDomain, number> = { collect: 0xc011ec7, eval: 0xe7a1 };

export function streamSeed(seed: number, stream: number, domain: SeedDomain): number {
  return new Rng([seed, stream, DOMAIN_SALT[domain]]).nextU32() >>> 1;
}
