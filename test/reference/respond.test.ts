/**
 * The reference server's answers follow the world: the right current item helps, a stale or wrong one (seen
 * only as text) hurts; replies are keyed by seed, task and the items' text, so the same prompts give the same
 * bytes in any order; the replies the harness checks agree with the world's draw.
 */
import { describe, expect, it } from "vitest";
import { ReferenceWorld } from "../../src/executors/reference/respond.js";
import { resolveWorld } from "../../src/world/presets.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import {
  buildSolvePrompt,
  buildAuthorPrompt,
  buildRewritePrompt,
  parseAuthoredItem,
  parseContentReply,
} from "../../src/executors/endpoint/prompts.js";
import { rewriteEvidence } from "../../src/endpoint-run/pass.js";
import { checkAnswer } from "../../src/tasks/check.js";
import { loadWorldTasks } from "../../src/tasks/load.js";
import { procedureKey, renderItem, parseItem } from "../../src/world/render.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const world = new ReferenceWorld(resolveWorld("fast-drift"), structuredClone(EXECUTOR_PRESETS.mid), 3);
const tasks = loadWorldTasks("fast-drift:3:600");

function item(id: string, family: number, version: number, key: string): LibraryItem {
  return {
    id,
    kind: "context",
    content: renderItem({ family, version, key, steps: 9, coreTokens: 120, tokens: 220, variant: 5 }),
  };
}

describe("reference world", () => {
  it("answers correctly more often with the right current item than with a stale or a wrong one", async () => {
    const picks = tasks
      .map((task, t) => ({ task, x: world.stream.task(t) }))
      .filter(({ x }) => x.versions[x.family] >= 1)
      .slice(0, 150);
    expect(picks.length).toBe(150);
    const rate = { none: 0, current: 0, stale: 0, wrong: 0 };
    for (const { task, x } of picks) {
      const v = x.versions[x.family];
      const variants = {
        none: [],
        current: [item("a", x.family, v, world.stream.key(x.family, v))],
        stale: [item("a", x.family, v - 1, world.stream.key(x.family, v - 1))],
        wrong: [item("a", x.family, v, procedureKey(3, x.family, v, 99))],
      };
      for (const [name, items] of Object.entries(variants)) {
        const r = world.respond(buildSolvePrompt(task, items));
        // the harness's checker agrees with the world's draw
        expect((await checkAnswer(task, r.text)).success).toBe(r.success);
        rate[name as keyof typeof rate] += r.success ? 1 / picks.length : 0;
      }
    }
    expect(rate.current).toBeGreaterThan(rate.none + 0.1);
    expect(rate.stale).toBeLessThan(rate.none - 0.05);
    expect(rate.wrong).toBeLessThan(rate.none - 0.05);
  });

  it("reads stale and wrong items from the text alone", () => {
    const x = world.stream.task(500);
    const v = x.versions[x.family];
    const parse = (c: string) =>
      parseItem(
        c,
        (n) => world.stream.familyOf(n),
        (f, w) => world.stream.key(f, w),
      );
    expect(parse(item("a", x.family, v, world.stream.key(x.family, v)).content)).toMatchObject({
      family: x.family,
      version: v,
      wrong: false,
      actionability: 0.9,
    });
    expect(parse(item("a", x.family, v, procedureKey(3, x.family, v, 7)).content).wrong).toBe(true);
    expect(parse("Some note a user wrote.").known).toBe(false);
  });

  it("gives the same bytes for the same prompt whatever was asked before", () => {
    const prompts = tasks.slice(0, 40).flatMap((task, t) => {
      const x = world.stream.task(t);
      const items = [item("a", x.family, 0, world.stream.key(x.family, 0))];
      const solve = buildSolvePrompt(task, items);
      return [solve, buildAuthorPrompt(task, world.respond(solve).text, items, 300)];
    });
    const fresh = new ReferenceWorld(resolveWorld("fast-drift"), structuredClone(EXECUTOR_PRESETS.mid), 3);
    const forward = prompts.map((p) => world.respond(p).text);
    const backward = [...prompts]
      .reverse()
      .map((p) => fresh.respond(p).text)
      .reverse();
    expect(backward).toEqual(forward);
    // authoring follows the executor's rate (mid: 0.4)
    const added = forward.filter((_, i) => i % 2 === 1 && parseAuthoredItem(forward[i]).action === "add").length;
    expect(added).toBeGreaterThan(6);
    expect(added).toBeLessThan(28);
  });

  it("refuses a task of another world or seed with a clear message", () => {
    const other = loadWorldTasks("fast-drift:4:3")[2];
    expect(() => world.respond(buildSolvePrompt(other, []))).toThrow(/seed 3.*--tasks-from/);
  });
});

describe("rewrite evidence", () => {
  it("the stream's latest task lets a rewrite bring stale items no task used since up to date", () => {
    const t = tasks.findIndex((_, i) => {
      const x = world.stream.task(i);
      return x.versions[x.family] >= 2;
    });
    const x = world.stream.task(t);
    const read = (reply: string) =>
      parseItem(
        parseContentReply(reply),
        (n) => world.stream.familyOf(n),
        (f, w) => world.stream.key(f, w),
      );
    let updated = 0;
    for (let variant = 0; variant < 20; variant++) {
      const stale: LibraryItem = {
        id: `s${variant}`,
        kind: "context",
        content: renderItem({
          family: x.family,
          version: 0,
          key: world.stream.key(x.family, 0),
          steps: 9,
          coreTokens: 120,
          tokens: 220,
          variant,
        }),
      };
      // no evidence of a newer revision: the rewrite keeps the item's own
      expect(read(world.respond(buildRewritePrompt(stale, rewriteEvidence(stale, {}, undefined))).text).version).toBe(
        0,
      );
      const after = read(world.respond(buildRewritePrompt(stale, rewriteEvidence(stale, {}, tasks[t]))).text);
      if (after.version === x.versions[x.family] && !after.wrong) updated++;
    }
    // the world's rewrite fixes a flawed item with its fixProbability
    expect(updated).toBeGreaterThanOrEqual(14);
  });
});
