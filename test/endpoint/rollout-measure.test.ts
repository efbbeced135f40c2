/**
 * How endpoint rollouts measure an action (issue 17): costs priced with the fork's own prompt cache, so a
 * rollout's cost does not depend on which forks ran before it on the same server; answers sampled per task
 * (`n`), the success measure their share right; and which tasks each stream runs (--task-order).
 */
import { describe, expect, it } from "vitest";
import { EndpointClient } from "../../src/executors/endpoint/client.js";
import { EndpointHarness } from "../../src/executors/endpoint/harness.js";
import { buildSolvePrompt } from "../../src/executors/endpoint/prompts.js";
import { endpointExecutor } from "../../src/endpoint-run/fork.js";
import { rollout } from "../../src/labels/rollout.js";
import { resolveWorld } from "../../src/world/presets.js";
import { loadWorldTasks } from "../../src/tasks/load.js";
import { streamTasks, tasksNeeded } from "../../src/tasks/stream-tasks.js";
import { collect } from "../../src/collect/collect.js";
import { ACTION_INDEX } from "../../src/actions.js";
import { SkillWorld } from "../../src/world/world.js";
import { parseItem } from "../../src/world/render.js";
import { referenceServers, RENDERED_ITEMS } from "../helpers/reference-server.js";
import { readDataset } from "../../src/data/dataset.js";

const start = referenceServers();
const tasks = loadWorldTasks("tiny:1:60");
const items = RENDERED_ITEMS;

describe("endpoint rollouts", () => {
  it("price a fork's calls by its own prompt history: the same rollout costs the same after other forks warmed the server", async () => {
    const s = await start();
    const client = new EndpointClient({ baseUrl: s.url, model: s.model });
    const harness = { executorName: "ref", contextBudget: 4000 };
    const warm = new EndpointHarness(client, harness, { live: items, step: 20 });
    const exec = endpointExecutor({
      state: warm.snapshot(),
      uses: {},
      executor: client,
      rewriter: client,
      harness,
      tasks,
    });
    const keepAll = Int32Array.from([0, 0, 0], () => ACTION_INDEX.keep);
    const job = { key: "k", actions: keepAll };
    const first = await rollout(exec, job, 5);
    // The server's cache now holds every prompt of that rollout: priced by its report, a rerun would be cheaper.
    const again = await rollout(exec, job, 5);
    expect(again.success).toBe(first.success);
    expect(again.cost).toBe(first.cost);
    const served = s.served.slice(-10);
    expect(served.some((r) => r.cachedTokens > 0)).toBe(true);
  });

  it("sample n answers per task on request: the first is the one answer of n = 1, the share right is the success measure", async () => {
    const s = await start();
    const client = new EndpointClient({ baseUrl: s.url, model: s.model, temperature: 0.7 });
    const one = await client.chat(buildSolvePrompt(tasks[3], items));
    const many = await client.chat(buildSolvePrompt(tasks[3], items), { n: 16 });
    expect(many.texts).toHaveLength(16);
    expect(many.text).toBe(one.text);
    expect(many.usage.completionTokens).toBeGreaterThan(10 * one.usage.completionTokens);

    const h1 = new EndpointHarness(
      client,
      { executorName: "a", contextBudget: 4000, authoring: false },
      { live: items },
    );
    const hn = new EndpointHarness(
      client,
      { executorName: "a", contextBudget: 4000, authoring: false, samples: 16 },
      { live: items },
    );
    let shares = 0;
    let successes = 0;
    for (const t of tasks.slice(0, 12)) {
      const a = await h1.runTask(t);
      const b = await hn.runTask(t);
      expect(b.success).toBe(a.success);
      expect(b.successShare).toBeGreaterThanOrEqual(0);
      expect(b.successShare).toBeLessThanOrEqual(1);
      // the task is charged as one answer, whatever was sampled to measure it
      expect(Math.abs(b.outputTokens - a.outputTokens)).toBeLessThanOrEqual(1);
      shares += b.successShare!;
      successes += a.success ? 1 : 0;
      expect(Number.isInteger(b.successShare! * 16)).toBe(true);
    }
    // Shares are fractions, not all 0 or 1: the measure carries more than one outcome.
    expect(shares).not.toBe(successes);
  });

  it("start every stream from --library: the world's initial items as text, read back as the world holds them", async () => {
    const s = await start();
    const lib = s.world.initialLibrary();
    const world = new SkillWorld(resolveWorld("tiny"), [], 1);
    expect(lib).toHaveLength(world.items.length);
    const parsed = lib.map((it) =>
      parseItem(
        it.content,
        (n) => s.world.stream.familyOf(n),
        (f, v) => s.world.stream.key(f, v),
      ),
    );
    expect(parsed.map((p) => (p.family === -1 ? -1 : p.family))).toEqual(world.items.map((it) => it.family));
    expect(parsed.map((p) => p.wrong)).toEqual(world.items.map((it) => it.family >= 0 && it.wrong));
    expect(parsed.every((p) => p.known)).toBe(true);

    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "start-library-"));
    try {
      const file = join(dir, "lib.jsonl");
      writeFileSync(file, lib.map((it) => JSON.stringify(it)).join("\n") + "\n");
      const profile = join(dir, "p.json");
      writeFileSync(
        profile,
        JSON.stringify({ name: "p", endpoint: { baseUrl: s.url, model: s.model }, contextBudget: 4000 }),
      );
      const out = join(dir, "data");
      await collect({ executors: profile, tasksFrom: "world:tiny:1:12", tasks: 12, library: file, out });
      const ds = await readDataset(out);
      const firstPass = (ds.decisions.item_id as string[]).filter((_, r) => (ds.decisions.pass as Int32Array)[r] === 0);
      expect(firstPass.filter((id) => id.startsWith("initial-")).length).toBe(lib.length);
      expect(ds.manifests[0].world.libraryItems).toBe(lib.length);
      expect(Math.max(...Array.from(ds.tasks.items_in_context as Int32Array))).toBeGreaterThan(2);

      // A profile's retrievalK caps the items retrieved per task (the harness's default is 8).
      const narrow = join(dir, "narrow.json");
      writeFileSync(
        narrow,
        JSON.stringify({
          name: "n",
          endpoint: { baseUrl: s.url, model: s.model },
          contextBudget: 4000,
          retrievalK: 2,
        }),
      );
      const out2 = join(dir, "narrow-data");
      await collect({ executors: narrow, tasksFrom: "world:tiny:1:12", tasks: 12, library: file, out: out2 });
      const counts = Array.from((await readDataset(out2)).tasks.items_in_context as Int32Array);
      expect(Math.max(...counts)).toBe(2);
      await expect(
        collect({ world: "tiny", executors: "mid", tasks: 10, library: file, out: join(dir, "sim") }),
      ).rejects.toThrow(/simulated streams start from the world's/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("give each stream its own stretch of tasks under --task-order disjoint, and say when the source is too short", async () => {
    const pool = loadWorldTasks("tiny:1:30");
    const a = streamTasks(pool, 10, "disjoint", 0, 1);
    const b = streamTasks(pool, 10, "disjoint", 2, 1);
    expect(a.map((t) => t.id)).toEqual(pool.slice(0, 10).map((t) => t.id));
    expect(b.map((t) => t.id)).toEqual(pool.slice(20, 30).map((t) => t.id));
    expect(streamTasks(pool, 10, "original", 2, 1)).toEqual(pool.slice(0, 10));
    const shuffled = streamTasks(pool, 10, "shuffled", 2, 7);
    expect(new Set(shuffled.map((t) => t.id))).toEqual(new Set(pool.slice(0, 10).map((t) => t.id)));
    expect(tasksNeeded("disjoint", 10, 3)).toBe(30);
    expect(tasksNeeded("shuffled", 10, 3)).toBe(10);

    const s = await start();
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "task-order-"));
    try {
      const profile = (name: string, temperature = 0) => {
        const f = join(dir, `${name}.json`);
        writeFileSync(
          f,
          JSON.stringify({ name, endpoint: { baseUrl: s.url, model: s.model, temperature }, contextBudget: 4000 }),
        );
        return f;
      };
      const executors = `${profile("a")},${profile("b")}`;
      await expect(
        collect({ executors, tasksFrom: "world:tiny:1:15", tasks: 10, taskOrder: "disjoint", out: join(dir, "x") }),
      ).rejects.toThrow(/disjoint gives each of 2 streams its own 10 tasks: 20 in all, but 'world:tiny:1:15' holds 15/);
      await expect(
        collect({
          executors,
          tasksFrom: "world:tiny:1:20",
          tasks: 10,
          labels: "rollout",
          rolloutSamples: 4,
          out: join(dir, "y"),
        }),
      ).rejects.toThrow(/at temperature 0 they are all the same answer \(a, b\)/);
      await expect(
        collect({
          world: "tiny",
          executors: "mid",
          tasks: 10,
          labels: "rollout",
          rolloutSamples: 4,
          out: join(dir, "z"),
        }),
      ).rejects.toThrow(/simulator's rollouts already measure/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
