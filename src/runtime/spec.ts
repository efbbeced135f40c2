/**
 * Transitional re-export: src/eval/replay.ts (owned by another branch) still imports `resolveCuratorSpec` from
 * here. The resolver is src/curators/resolve.ts; once replay.ts imports it directly, delete this file.
 */
import { resolveCurator, type ResolvedCurator } from "../curators/resolve.js";

/** @deprecated use resolveCurator from src/curators/resolve.ts (`curator.stochastic` is the sampling flag). */
export async function resolveCuratorSpec(spec: string): Promise<ResolvedCurator & { needsSampling: boolean }> {
  const r = await resolveCurator(spec);
  return { ...r, needsSampling: r.curator.stochastic === true };
}
