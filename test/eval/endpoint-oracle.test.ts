/**
 * The oracle on an endpoint executor (issue 17): named in `eval --curators`, it values every item at every pass
 * by rollouts on forks of the harness (the routine `collect --labels rollout` labels with) and takes the best;
 * through the world-backed reference server it beats `none` on the reward it optimises. Left to the references
 * it stays simulator-only, with a note saying how to run it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate, type EvalOptions } from "../../src/eval/evaluate.js";
import { collect } from "../../src/collect/collect.js";
import { readDataset } from "../../src/data/dataset.js";
import { ACTIONS } from "../../src/actions.js";
import { valuesToProbs } from "../../src/world/oracle.js";
import { chooseWithCap } from "../../src/governance/choose.js";
import { DEFAULT_REWARD } from "../../src/reward.js";
import { startingLibrary } from "../../src/endpoint-run/start-library.js";
import { ReferenceWorld } from "../../src/executors/reference/respond.js";
import { resolveWorld } from "../../src/world/presets.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { referenceServers } from "../helpers/reference-server.js";

const start = referenceServers();
const root = mkdtempSync(join(tmpdir(), "curator-endpoint-oracle-"));

async function setup(): Promise<Pick<EvalOptions, "executors" | "library" | "tasksFrom">> {
  const s = await start();
  const profile = join(root, "ref.json");
  writeFileSync(
    profile,
    JSON.stringify({
      name: "ref-mid",
      endpoint: { baseUrl: s.url, model: s.model },
      contextBudget: 4000,
      retrievalK: 4,
    }),
  );
  const library = join(root, "library.jsonl");
  const items = new ReferenceWorld(resolveWorld("tiny"), structuredClone(EXECUTOR_PRESETS.mid), 1).initialLibrary();
  writeFileSync(library, items.map((it) => JSON.stringify(it)).join("\n") + "\n");
  return { executors: [profile], library, tasksFrom: "world:tiny:1:30" };
}

describe("the oracle on endpoint executors", () => {
  it("runs from rollouts when named: its first pass takes the best action of the labels collect --labels rollout writes", async () => {
    // Fresh servers for each run, so both send the same requests in the same order (and see the same cache).
    const run = { tasks: 15, curationInterval: 5, taskOrder: "original" as const };
    const base = await setup();
    const res = await evaluate({
      ...base,
      ...run,
      curators: ["oracle"],
      seeds: [1],
      streams: 1,
      scratch: join(root, "o"),
    });
    const oracle = res.results.find((r) => r.curator === "oracle" && r.executor === "ref-mid")!;
    expect(oracle.decisions).toBeGreaterThan(0);
    const journal = readFileSync(join(root, "o", "eval-c0-e0-s1-0.jsonl"), "utf8")
      .trim()
      .split("\n");
    const passes = journal.map((l) => JSON.parse(l).pass).filter(Boolean);
    expect(passes).toHaveLength(2);
    expect(passes[0].spend.tasks).toBeGreaterThan(0);
    const spent = passes[0].spend.tasks + passes[1].spend.tasks;
    expect((res.config.notes as string[]).join("\n")).toContain(
      `The oracle on ref-mid chose from rollouts (horizon 10 tasks, every item at every pass): ${spent} extra tasks`,
    );

    const other = await setup();
    const out = join(root, "labels");
    await collect({
      executors: other.executors.join(","),
      tasksFrom: other.tasksFrom,
      library: other.library,
      ...run,
      streams: 1,
      behavior: "none",
      epsilon: 0,
      labels: "rollout",
      horizon: 2 * run.curationInterval,
      out,
    });
    // The oracle's choice (world/oracle.ts valuesToProbs, then the change cap) from collect's labels of pass 0.
    const d = (await readDataset(out)).decisions;
    const first: number[] = [];
    d.pass.forEach((p, r) => p === 0 && first.push(r));
    const masks = Float32Array.from(first.flatMap((r) => ACTIONS.map((a) => Number(d[`mask_${a}`][r]))));
    const column = (k: string) =>
      Float64Array.from(first.flatMap((r) => ACTIONS.map((a) => Number(d[`${k}_${a}`][r]))));
    const cf = { success: column("cf_success"), cost: column("cf_cost") };
    const probs = valuesToProbs(cf, masks, first.length, DEFAULT_REWARD, 0.02);
    const best = chooseWithCap(probs, masks.slice(), first.length, startingLibrary(base.library).governance);
    expect(passes[0].counterfactuals).toEqual({ success: Array.from(cf.success), cost: Array.from(cf.cost) });
    expect(passes[0].actions).toEqual(Array.from(best));
    expect(best.some((a) => a !== 0)).toBe(true);
  }, 120_000);

  it("prices each stream by its own prompts: a curator's cost does not depend on the streams run before it", async () => {
    // ["none"] runs none first (heuristic is added after it); ["heuristic"] runs none after heuristic's stream,
    // whose prompts (same tasks, same starting library) the server's prefix cache still holds.
    const run = { tasks: 12, seeds: [1], streams: 1, curationInterval: 4, taskOrder: "original" as const };
    const first = await evaluate({ ...(await setup()), ...run, curators: ["none"], scratch: join(root, "n1") });
    const second = await evaluate({ ...(await setup()), ...run, curators: ["heuristic"], scratch: join(root, "n2") });
    const none = (r: typeof first) => {
      const { paired: _p, ...row } = r.results.find((x) => x.curator === "none")!;
      return row;
    };
    expect(none(second)).toEqual(none(first));
    expect(none(first).cacheReadShare).toBeGreaterThan(0.3);
  }, 60_000);

  it("stays simulator-only when only added as a reference, and says how to run it", async () => {
    const base = await setup();
    const res = await evaluate({
      ...base,
      executors: [...base.executors, "mid"],
      world: "tiny",
      curators: ["none"],
      tasks: 6,
      seeds: [1],
      streams: 1,
      curationInterval: 5,
      scratch: join(root, "scratch-ref"),
    });
    expect(res.results.some((r) => r.curator === "oracle" && r.executor === "ref-mid")).toBe(false);
    expect((res.config.notes as string[]).join("\n")).toMatch(/name it in --curators to run it there from rollouts/);
  });

  it("refuses --oracle-samples without the oracle named, and at temperature 0", async () => {
    const base = await setup();
    const o = { ...base, tasks: 6, seeds: [1], streams: 1, scratch: join(root, "scratch-bad") };
    await expect(evaluate({ ...o, curators: ["none"], oracleSamples: 4 })).rejects.toThrow(/name `oracle`/);
    await expect(evaluate({ ...o, curators: ["oracle"], oracleSamples: 4 })).rejects.toThrow(/temperature 0/);
  });
});
