/** The endpoint rollout journal: finished rollouts survive a torn last line; an unreadable progress file restarts only the running rollout. */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rolloutJournal } from "../../src/endpoint-run/rollout-journal.js";
import { rollout, type ForkableExecutor } from "../../src/labels/rollout.js";

/** A counter as the forked state: each step succeeds and costs 1. */
function counter(): ForkableExecutor<{ n: number }> & { steps: number } {
  const exec = {
    steps: 0,
    fork: () => ({ n: 0 }),
    apply: () => 0,
    step(f: { n: number }) {
      exec.steps++;
      f.n++;
      return { success: 1, cost: 1 };
    },
    tasksLeft: () => Infinity,
  };
  return exec;
}

describe("endpoint rollout journal", () => {
  it("keeps finished rollouts through a torn last line and continues the running one from its saved task", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollout-journal-"));
    const id = (x: string) => x;
    const j = rolloutJournal<{ n: number }>(dir, "stream-0", 2, id);
    const exec = counter();
    await rollout(exec, { key: "keep", actions: new Int32Array(1) }, 3, j);
    j.saveProgress("item-0-1", { n: 2 }, { success: 2, cost: 2, tasks: 2 });
    appendFileSync(join(dir, "stream-0.rollouts.jsonl"), '{"pass":2,"key":"item-0-2","r":{"suc');
    const again = rolloutJournal<{ n: number }>(dir, "stream-0", 2, id);
    expect(readFileSync(join(dir, "stream-0.rollouts.jsonl"), "utf8").split("\n")).toHaveLength(2);
    const resumed = counter();
    expect(await rollout(resumed, { key: "keep", actions: new Int32Array(1) }, 3, again)).toEqual({
      success: 3,
      cost: 3,
      tasks: 3,
    });
    expect(await rollout(resumed, { key: "item-0-1", actions: new Int32Array(1) }, 3, again)).toEqual({
      success: 3,
      cost: 3,
      tasks: 3,
    });
    expect(resumed.steps).toBe(1); // only the one task the running rollout had left
  });

  it("an unreadable progress file (a crash before the rename reached the disk) restarts the running rollout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rollout-journal-"));
    writeFileSync(join(dir, "stream-1.rollout-progress.json"), "");
    const exec = counter();
    const r = await rollout(
      exec,
      { key: "keep", actions: new Int32Array(1) },
      4,
      rolloutJournal(dir, "stream-1", 0, String),
    );
    expect(r.tasks).toBe(4);
    expect(exec.steps).toBe(4);
  });
});
