/** Aggregates evaluation streams into the per curator × executor results that results.json and reports show. */
import { ACTIONS } from "../actions.js";
import { bootstrapCI, mean, pairedSignFlipP } from "./stats.js";

export interface CuratorInfo {
  name: string;
  kind: "baseline" | "model";
  spec: string;
  trainedOn?: string[];
  trainStreamSeeds?: number[];
}

/** What the summary reads of one task: a simulated TaskResult, or an endpoint stream's journal record. */
export interface EvalTask {
  success: boolean;
  /** USD of the task plus the curation pass charged to it */
  cost: number;
  /** uncached prompt tokens; cachedTokens are the prompt tokens served (and priced) as cache reads */
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  curationTokens: number;
  librarySize: number;
  libraryTokens: number;
  /** hidden truth, known only to the simulator: absent on endpoint streams, whose rates are then null (n/a) */
  staleHit?: boolean;
  contaminationFollow?: boolean;
  driftHit?: boolean;
  genericShare?: number;
}

/** One evaluation stream: its tasks in order and the actions of its curation passes. */
export interface EvalRun {
  tasks: readonly EvalTask[];
  passes: ReadonlyArray<{ actions: ArrayLike<number> }>;
  /** endpoint units of the oracle: tasks its rollouts ran beside the stream's own */
  rolloutTasks?: number;
}

export interface UnitRecord {
  curator: string;
  executor: string;
  seed: number;
  stream: number;
  run: EvalRun;
}

export interface PairedTest {
  against: string;
  successDiff: number;
  successP: number;
  costDiff: number;
  costP: number;
}

export interface ResultRow {
  curator: string;
  executor: string;
  successRate: number;
  successRateCI: [number, number];
  costPerCompletedTask: number;
  costPerCompletedTaskCI: [number, number];
  oracleUpliftShare: number | null;
  oracleUpliftShareCI: [number, number] | null;
  tokensPerTask: number;
  promptTokensPerTask: number;
  /** share of prompt tokens served as cache reads (priced at the cache-read price); null with no prompt tokens */
  cacheReadShare: number | null;
  /** null (n/a) where the executor's world is not observable (endpoint executors) */
  staleHitRate: number | null;
  contaminationFollowRate: number | null;
  driftHitRate: number | null;
  finalLibrarySize: number;
  finalLibraryTokens: number;
  finalGenericShare: number | null;
  actionMix: Record<(typeof ACTIONS)[number], number>;
  decisions: number;
  streams: number;
  tasks: number;
  paired: PairedTest[];
  heldOut: boolean | null;
  /** set on a row pooled over the draws of a sample spec (its executor is the spec): how many draws */
  draws?: number;
  /** set on a row of one draw of a sample spec: the spec (report.md shows the pooled row, and the draws in one table) */
  drawOf?: string;
}

export interface SeriesPoint {
  curator: string;
  executor: string;
  step: number;
  successRate: number;
  librarySize: number;
  libraryTokens: number;
}

export interface EvalResults {
  config: Record<string, unknown>;
  curators: CuratorInfo[];
  results: ResultRow[];
  series: SeriesPoint[];
}

interface UnitStats {
  successes: number;
  tasks: number;
  cost: number;
}

function unitStats(r: EvalRun): UnitStats {
  let successes = 0;
  let cost = 0;
  for (const t of r.tasks) {
    successes += t.success ? 1 : 0;
    cost += t.cost;
  }
  return { successes, tasks: r.tasks.length, cost };
}

const rate = (u: UnitStats[], idx: ArrayLike<number>) => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < idx.length; i++) ((s += u[idx[i]].successes), (n += u[idx[i]].tasks));
  return n ? s / n : 0;
};
const costPer = (u: UnitStats[], idx: ArrayLike<number>) => {
  let s = 0;
  let c = 0;
  for (let i = 0; i < idx.length; i++) ((s += u[idx[i]].successes), (c += u[idx[i]].cost));
  return s ? c / s : Infinity;
};

export function summarize(
  units: UnitRecord[],
  curators: CuratorInfo[],
  config: Record<string, unknown> & { bucket: number },
): EvalResults {
  const key = (c: string, e: string) => `${c}\u0000${e}`;
  const byPair = new Map<string, UnitRecord[]>();
  for (const u of units) {
    const k = key(u.curator, u.executor);
    if (!byPair.has(k)) byPair.set(k, []);
    byPair.get(k)!.push(u);
  }
  // Units are aligned across curators by (seed, stream): the same streams, so comparisons are paired.
  for (const list of byPair.values()) list.sort((a, b) => a.seed - b.seed || a.stream - b.stream);
  const executors = [...new Set(units.map((u) => u.executor))];
  const stats = new Map<string, UnitStats[]>();
  for (const [k, list] of byPair)
    stats.set(
      k,
      list.map((u) => unitStats(u.run)),
    );

  const results: ResultRow[] = [];
  const series: SeriesPoint[] = [];
  for (const c of curators)
    for (const e of executors) {
      const list = byPair.get(key(c.name, e));
      if (!list) continue;
      const u = stats.get(key(c.name, e))!;
      const all = Int32Array.from(u.keys());
      const none = stats.get(key("none", e));
      const oracle = stats.get(key("oracle", e));
      const uplift = (idx: ArrayLike<number>) => {
        if (!none || !oracle) return NaN;
        const gap = rate(oracle, idx) - rate(none, idx);
        return gap > 1e-9 ? (rate(u, idx) - rate(none, idx)) / gap : NaN;
      };
      // Seeded by the pair's name, so a row's CI does not depend on which other curators were evaluated.
      const seed = [...key(c.name, e)].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7);
      const upl = uplift(all);
      let tasks = 0;
      let stale = 0;
      let follow = 0;
      let drift = 0;
      let tokens = 0;
      let prompt = 0;
      let cached = 0;
      let hidden = true;
      const mix = [0, 0, 0, 0];
      for (const rec of list) {
        for (const t of rec.run.tasks) {
          tasks++;
          if (t.staleHit === undefined || t.contaminationFollow === undefined || t.driftHit === undefined)
            hidden = false;
          stale += t.staleHit ? 1 : 0;
          follow += t.contaminationFollow ? 1 : 0;
          drift += t.driftHit ? 1 : 0;
          prompt += t.promptTokens + t.cachedTokens;
          cached += t.cachedTokens;
          tokens += t.promptTokens + t.cachedTokens + t.outputTokens + t.curationTokens;
        }
        for (const p of rec.run.passes) for (let k = 0; k < p.actions.length; k++) mix[p.actions[k]]++;
      }
      const decisions = mix.reduce((a, b) => a + b, 0);
      const lastOf = (f: (t: EvalTask) => number) => mean(list.map((r) => f(r.run.tasks[r.run.tasks.length - 1])));
      const lastGeneric = list.every((r) => r.run.tasks[r.run.tasks.length - 1].genericShare !== undefined)
        ? lastOf((t) => t.genericShare!)
        : null;
      const paired: PairedTest[] = [];
      for (const ref of ["none", "heuristic"]) {
        const other = stats.get(key(ref, e));
        if (!other || ref === c.name || other.length !== u.length) continue;
        const ds = u.map((x, i) => x.successes / x.tasks - other[i].successes / other[i].tasks);
        const dc = u.map((x, i) => x.cost / Math.max(1, x.successes) - other[i].cost / Math.max(1, other[i].successes));
        paired.push({
          against: ref,
          successDiff: mean(ds),
          successP: pairedSignFlipP(ds, seed),
          costDiff: mean(dc),
          costP: pairedSignFlipP(dc, seed + 1),
        });
      }
      results.push({
        curator: c.name,
        executor: e,
        successRate: rate(u, all),
        successRateCI: bootstrapCI(u.length, (idx) => rate(u, idx), seed),
        costPerCompletedTask: costPer(u, all),
        costPerCompletedTaskCI: bootstrapCI(u.length, (idx) => costPer(u, idx), seed),
        oracleUpliftShare: Number.isFinite(upl) ? upl : null,
        oracleUpliftShareCI: Number.isFinite(upl) ? bootstrapCI(u.length, uplift, seed) : null,
        tokensPerTask: tokens / tasks,
        promptTokensPerTask: prompt / tasks,
        cacheReadShare: prompt > 0 ? cached / prompt : null,
        staleHitRate: hidden ? stale / tasks : null,
        contaminationFollowRate: hidden ? follow / tasks : null,
        driftHitRate: hidden ? drift / tasks : null,
        finalLibrarySize: lastOf((t) => t.librarySize),
        finalLibraryTokens: lastOf((t) => t.libraryTokens),
        finalGenericShare: lastGeneric,
        actionMix: Object.fromEntries(
          ACTIONS.map((a, k) => [a, decisions ? mix[k] / decisions : 0]),
        ) as ResultRow["actionMix"],
        decisions,
        streams: u.length,
        tasks,
        paired,
        heldOut: c.trainedOn ? !e.split("+").every((x) => c.trainedOn!.includes(x)) : null,
      });
      const T = list[0].run.tasks.length;
      for (let b = 0; b < T; b += config.bucket) {
        let s = 0;
        let n = 0;
        let size = 0;
        let tok = 0;
        for (const rec of list)
          for (let t = b; t < Math.min(T, b + config.bucket); t++) {
            const x = rec.run.tasks[t];
            s += x.success ? 1 : 0;
            size += x.librarySize;
            tok += x.libraryTokens;
            n++;
          }
        series.push({
          curator: c.name,
          executor: e,
          step: b + config.bucket,
          successRate: s / n,
          librarySize: size / n,
          libraryTokens: tok / n,
        });
      }
    }
  return { config, curators: curators.map(({ trainStreamSeeds: _s, ...rest }) => rest), results, series };
}
