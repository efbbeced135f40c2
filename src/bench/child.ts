/**
 * One measured job in its own process, so its peak memory (RSS high-water mark) is its own:
 *   node dist/bench/child.js collect OUT STREAMS TASKS   — `curator collect` (heuristic behaviour, epsilon 0.3)
 *   node dist/bench/child.js train DATA OUT EPOCHS [WINDOW_ROWS] — `curator train --algo bc`, fixed epochs
 *   node dist/bench/child.js decide LIBRARY MODEL OUT|- [NOW] — `curator decide` (- = --dry-run; NOW = --now), review text included
 *   node dist/bench/child.js verify DIR                   — `curator audit verify DIR` (rows = audit lines)
 * Prints one JSON line: {"seconds", "rows", "peakRssMB"}.
 */
import { collect } from "../collect/collect.js";
import { train } from "../train/train.js";
import { curateLibrary } from "../library/curate.js";
import { formatReview } from "../library/review.js";
import { verifyFolder } from "../library/verify.js";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";

async function main(argv: string[]): Promise<{ rows: number; seconds: number }> {
  const [job, a, b, c, d] = argv;
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  if (job === "collect") {
    const s = await collect({
      world: "default",
      executors: "weak,mid,strong",
      behavior: "heuristic",
      epsilon: 0.3,
      seed: 1,
      streams: Number(b),
      tasks: Number(c),
      out: a,
    });
    return { rows: s.decisions, seconds: seconds() };
  }
  if (job === "train") {
    const epochs = Number(c);
    const windowRows = d === undefined ? undefined : Number(d);
    const s = await train({
      data: a,
      out: b,
      algo: "bc",
      seed: 1,
      epochs,
      patience: epochs + 1,
      batchSize: 256,
      ...(windowRows === undefined ? {} : { fitRows: windowRows, windowRows }),
    });
    return { rows: s.trainRows + s.valRows, seconds: seconds() };
  }
  if (job === "decide") {
    const dryRun = c === "-";
    const now = d === undefined ? undefined : Number(d);
    const r = await curateLibrary({ model: b, library: a, executor: "mid", dryRun, out: dryRun ? undefined : c, now });
    // What the CLI prints (the whole review on a dry run, the changes otherwise); its output goes nowhere here.
    writeFileSync("/dev/null", formatReview(r.decisions, { changesOnly: !dryRun }));
    return { rows: r.decisions.length, seconds: seconds() };
  }
  if (job === "verify") return { rows: verifyFolder(a).lines, seconds: seconds() };
  throw new Error(`unknown bench job '${job}' (collect | train | decide | verify)`);
}

main(process.argv.slice(2)).then(
  (r) => {
    // resourceUsage().maxRSS is in kilobytes: the process's high-water mark.
    const u = process.resourceUsage();
    // CPU seconds alongside wall seconds: on a shared machine the wall clock mostly measures the neighbours.
    process.stdout.write(
      `${JSON.stringify({ ...r, peakRssMB: u.maxRSS / 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, userSeconds: u.userCPUTime / 1e6, load: loadavg()[0] })}\n`,
    );
  },
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
