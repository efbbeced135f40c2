/**
 * Rollout labels on the simulator (issue 17): `collect --labels rollout` runs the one labelling routine over
 * SkillWorld forks and writes the oracle's labels bit for bit; a budget labels a subset with the same values;
 * pass-level groups leave the decisions untouched; and grpo-pass, trained from groups sampled from a random
 * behaviour on a tiny world, curates better than that random behaviour.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, type CollectOptions } from "../../src/collect/collect.js";
import { readDataset } from "../../src/data/dataset.js";
import { mergeShards } from "../../src/data/shards.js";
import { train } from "../../src/train/train.js";
import { resolveCurator } from "../../src/curators/resolve.js";
import { runStream } from "../../src/world/stream.js";
import { resolveWorld } from "../../src/world/presets.js";
import { resolveExecutors } from "../../src/executors/presets.js";
import { streamSeed } from "../../src/seeds.js";
import { reward } from "../../src/reward.js";
import { ACTIONS } from "../../src/actions.js";

const root = mkdtempSync(join(tmpdir(), "curator-rollout-sim-"));
const BASE: CollectOptions = { world: "tiny", executors: "weak,mid,strong", streams: 3, tasks: 80, seed: 5, out: "" };
const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
const dirs = {
  oracle: join(root, "oracle"),
  rollout: join(root, "rollout"),
  grouped: join(root, "grouped"),
  budget: join(root, "budget"),
};

beforeAll(async () => {
  await collect({ ...BASE, labels: "oracle", out: dirs.oracle });
  await collect({ ...BASE, labels: "rollout", out: dirs.rollout });
  await collect({ ...BASE, labels: "rollout", rolloutGroups: 3, out: dirs.grouped });
  await collect({
    ...BASE,
    labels: "rollout",
    rolloutStates: 2,
    rolloutItems: 3,
    rolloutBudget: 400,
    out: dirs.budget,
  });
});

describe("collect --labels rollout on the simulator", () => {
  it("writes the oracle's dataset bit for bit (decisions and tasks files); the manifest adds what the rollouts cost", async () => {
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(bytes(dirs.rollout, f).equals(bytes(dirs.oracle, f)), f).toBe(true);
    const [o, r] = [(await readDataset(dirs.oracle)).manifests[0], (await readDataset(dirs.rollout)).manifests[0]];
    const { labels: _l, rollout, command: _c, files: _f, ...rest } = r;
    const { labels: _lo, command: _co, files: _fo, ...restOracle } = o;
    expect(rest).toEqual(restOracle);
    expect(r.labels).toBe("rollout");
    // every item of every pass: K tasks for the all-keep baseline and per allowed (labelled) non-keep action
    const ds = await readDataset(dirs.rollout);
    let forks = 0;
    const passes = new Set<string>();
    for (let i = 0; i < ds.decisions.stream_id.length; i++) {
      passes.add(`${ds.decisions.stream_id[i]}/${ds.decisions.pass[i]}`);
      for (const a of ACTIONS.slice(1)) forks += Number.isNaN(ds.decisions[`cf_success_${a}`][i]) ? 0 : 1;
    }
    expect(rollout).toMatchObject({
      horizon: 20,
      states: null,
      groups: 0,
      labelledStates: passes.size,
      labelledDecisions: ds.decisions.stream_id.length,
    });
    expect(rollout!.extraTasks).toBe(20 * (forks + passes.size));
  });

  it("pass-level groups add the groups table and leave the decisions bit for bit", async () => {
    expect(
      bytes(dirs.grouped, "decisions/part-00000.parquet").equals(bytes(dirs.oracle, "decisions/part-00000.parquet")),
    ).toBe(true);
    const ds = await readDataset(dirs.grouped);
    const g = ds.groups!;
    expect(g.stream_id.length).toBe(3 * ds.decisions.stream_id.length);
    expect(ds.manifests[0].rows.groups).toBe(g.stream_id.length);
    // members of a pass differ in what they did, all face the same K tasks
    const members = new Map<string, Set<string>>();
    for (let i = 0; i < g.stream_id.length; i++) {
      const k = `${g.stream_id[i]}/${g.pass[i]}/${g.member[i]}`;
      members.set(k, (members.get(k) ?? new Set()).add(String(g.return_successes[i])));
      expect(g.return_tasks[i]).toBe(20);
    }
    for (const s of members.values()) expect(s.size).toBe(1); // one return per member
    // old datasets (no groups table) still load, without groups
    expect((await readDataset(dirs.oracle)).groups).toBeUndefined();
  });

  it("a budget labels sampled states and items only, with the oracle's values, within the task budget", async () => {
    const [o, b] = [await readDataset(dirs.oracle), await readDataset(dirs.budget)];
    const m = b.manifests[0].rollout!;
    expect(m.extraTasks).toBeGreaterThan(0);
    expect(m.extraTasks).toBeLessThanOrEqual(3 * 400);
    expect(m.labelledStates).toBeLessThanOrEqual(3 * 2);
    let labelled = 0;
    for (let i = 0; i < b.decisions.stream_id.length; i++) {
      if (Number.isNaN(b.decisions.cf_success_keep[i])) continue;
      labelled++;
      for (const a of ACTIONS) {
        expect(b.decisions[`cf_success_${a}`][i]).toBe(o.decisions[`cf_success_${a}`][i]);
        expect(b.decisions[`cf_cost_${a}`][i]).toBe(o.decisions[`cf_cost_${a}`][i]);
      }
    }
    expect(labelled).toBe(m.labelledDecisions);
    expect(labelled).toBeLessThanOrEqual(3 * 2 * 3);
    // bc trains on the labelled rows only
    const s = await train({
      data: dirs.budget,
      algo: "bc",
      out: join(root, "bc-budget"),
      epochs: 2,
      hidden: [8],
      seed: 1,
    });
    expect(s.trainRows + s.valRows).toBe(labelled);
  });

  it("shards merge with their groups and their summed rollout spend", async () => {
    const opts = { ...BASE, streams: 4, tasks: 60, labels: "rollout" as const, rolloutGroups: 2, rolloutStates: 2 };
    await collect({ ...opts, out: join(root, "whole") });
    for (const i of [0, 1]) await collect({ ...opts, shard: `${i}/2`, out: join(root, "shards", `s${i}`) });
    await mergeShards(join(root, "shards"), join(root, "merged"));
    const [w, m] = [await readDataset(join(root, "whole")), await readDataset(join(root, "merged"))];
    expect(m.manifests[0].rollout).toEqual(w.manifests[0].rollout);
    expect(m.groups).toEqual(w.groups);
  });
});

describe("grpo-pass", () => {
  it("trained from pass groups sampled from a random behaviour, it curates better than that behaviour", async () => {
    const data = join(root, "groups-random");
    await collect({
      world: "tiny",
      executors: "weak,mid,strong",
      streams: 6,
      tasks: 100,
      behavior: "random",
      epsilon: 0.3,
      seed: 1,
      labels: "rollout",
      rolloutItems: 0,
      rolloutGroups: 8,
      out: data,
    });
    const model = join(root, "grpo-pass");
    await train({ data, algo: "grpo-pass", out: model, epochs: 20, hidden: [32], seed: 1 });
    const world = resolveWorld("tiny");
    const executors = resolveExecutors("weak,mid,strong");
    const score = async (spec: string) => {
      const curator = (await resolveCurator(spec, { simulator: true })).curator;
      let total = 0;
      for (let k = 0; k < 6; k++) {
        const stream = {
          streamId: k,
          seed: streamSeed(99, k, "eval"),
          world,
          executors: [executors[k % 3]],
          tasks: 100,
        };
        const run = await runStream(stream, curator, { mode: "argmax", horizon: 20 });
        total += reward(
          run.tasks.reduce((s, t) => s + t.pSuccess, 0),
          run.tasks.reduce((s, t) => s + t.cost, 0),
        );
      }
      return total;
    };
    const [learned, random] = [await score(model), await score("random")];
    expect(learned).toBeGreaterThan(random + 5);
  });
});
