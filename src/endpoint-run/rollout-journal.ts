/**
 * The rollout journal of an endpoint stream, in `OUT.partial/`: every finished rollout is one line of
 * `<key>.rollouts.jsonl`, and the running rollout's fork and totals are saved (atomically) after each task in
 * `<key>.rollout-progress.json`. A fault or a killed run therefore loses no finished task: `--resume` takes
 * finished rollouts from the journal and continues the running one from its last task.
 *
 * The progress file is replaced by a rename but not fsynced (an fsync per rollout task took 12% of a rollout
 * run's time): a killed process loses nothing, and after a machine crash an unreadable progress file only means
 * the running rollout starts over (at most K tasks sent again).
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { RolloutJournal, RolloutReturn } from "../labels/rollout.js";

export function rolloutJournal<F>(
  partial: string,
  key: string,
  pass: number,
  scrub: (t: string) => string,
): RolloutJournal<F> {
  const lines = join(partial, `${key}.rollouts.jsonl`);
  const progressFile = join(partial, `${key}.rollout-progress.json`);
  const done = new Map<string, RolloutReturn>();
  if (existsSync(lines)) {
    const text = readFileSync(lines, "utf8");
    const good: string[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as { pass: number; key: string; r: RolloutReturn };
        good.push(line);
        if (e.pass === pass) done.set(e.key, e.r);
      } catch {
        // a torn last line: that rollout continues from its saved progress
      }
    }
    if (text.length && !text.endsWith("\n")) writeFileAtomic(lines, good.map((l) => `${l}\n`).join(""));
  }
  return {
    finished: (k) => done.get(k),
    progress(k) {
      if (!existsSync(progressFile)) return undefined;
      let p: { pass: number; key: string; fork: F; acc: RolloutReturn };
      try {
        p = JSON.parse(readFileSync(progressFile, "utf8"));
      } catch {
        return undefined;
      }
      return p.pass === pass && p.key === k ? { fork: p.fork, acc: p.acc } : undefined;
    },
    saveProgress(k, fork, acc) {
      writeFileSync(`${progressFile}.tmp`, scrub(JSON.stringify({ pass, key: k, fork, acc })));
      renameSync(`${progressFile}.tmp`, progressFile);
    },
    finish(k, r) {
      done.set(k, r);
      appendFileSync(lines, `${JSON.stringify({ pass, key: k, r })}\n`);
    },
  };
}
