/**
 * `npm run bench`: speed of the toolkit against peers measured in the same run on the same machine.
 *
 *   npm run bench                    table on stdout, progress on stderr
 *   npm run -s bench -- --json       exactly {"benchmarks": [{name, value, unit, peer, peerValue, speedup}, …]}
 *   npm run bench -- --out DIR       also writes DIR/bench.json (the --json document) and DIR/bench.md
 *   --quick                          tiny sizes, for tests (no apt-get install; the torch peer only if present)
 *   --no-install                     never install the PyTorch peer
 *   --only decide.1m                 only the 1M-item decide benchmark (with --quick: 5k items)
 *   --only decide.1m.out             only its decide --out run
 *   --only decide.passes             only the 200k-item folder re-decided 20 times, then verified (decide-passes.ts;
 *                                    also in the full bench with CURATOR_BENCH_PASSES=1; --quick: 2k items, 3 passes)
 *   --only train.flat                only training at 1M rows (and 10M with CURATOR_BENCH_10M=1): peak RSS, rows/s
 *   --only refserver                 only the endpoint throughput against 1, 2, 4 reference servers (refserver.ts)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { readDataset } from "../data/dataset.js";
import { gitCommit, TOOLKIT_VERSION } from "../version.js";
import { markdownTable, textTable, toJson, type BenchOptions, type BenchRow } from "./harness.js";
import { benchCollect } from "./collect.js";
import { benchTrain } from "./train.js";
import { benchInfer } from "./infer.js";
import { benchScaling } from "./scaling.js";
import { benchParquet } from "./parquet.js";
import { benchDecide } from "./decide.js";
import { benchDecidePasses } from "./decide-passes.js";
import { benchFlatTrain } from "./flat-train.js";
import { benchRefServer } from "./refserver.js";
import { pushAll } from "../util/arrays.js";

interface Args {
  json: boolean;
  quick: boolean;
  install: boolean;
  out: string | null;
  only: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, quick: false, install: true, out: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--json") a.json = true;
    else if (k === "--quick") a.quick = true;
    else if (k === "--no-install") a.install = false;
    else if (k === "--out" && argv[i + 1]) a.out = argv[++i];
    else if (k.startsWith("--out=")) a.out = k.slice(6);
    else if (k === "--only" && argv[i + 1]) a.only = argv[++i];
    else if (k.startsWith("--only=")) a.only = k.slice(7);
    else
      throw new Error(
        `unknown argument '${k}'. Use --json, --quick, --no-install, --out DIR, --only ${ONLY.join("|")}.`,
      );
  }
  if (a.quick) a.install = false;
  if (a.only !== null && !ONLY.includes(a.only))
    throw new Error(`--only ${a.only}: the benchmarks that run alone are ${ONLY.join(", ")}.`);
  return a;
}

/** Benchmarks `--only` can run alone. */
const ONLY = ["decide.1m", "decide.1m.out", "decide.passes", "train.flat", "refserver"];

async function runBench(o: BenchOptions, only: string | null): Promise<BenchRow[]> {
  if (only === "decide.1m") return benchDecide(o);
  if (only === "decide.1m.out") return benchDecide(o, ["out"]);
  if (only === "decide.passes") return benchDecidePasses(o);
  if (only === "train.flat") return benchFlatTrain(o);
  if (only === "refserver") return benchRefServer(o);
  const rows: BenchRow[] = [];
  const collected = await benchCollect(o);
  pushAll(rows, collected.rows);
  pushAll(rows, await benchTrain(o));
  pushAll(rows, await benchInfer(o));
  const scaling = await benchScaling(o, collected);
  try {
    const table = (await readDataset(scaling.largest.dir)).decisions;
    const n = Math.min(scaling.largest.rows, o.quick ? scaling.largest.rows : 1_000_000);
    pushAll(rows, await benchParquet(o, table, n, "rows collected by the 1M scaling run"));
  } finally {
    scaling.cleanup();
  }
  pushAll(rows, scaling.rows);
  // Not in --quick: more child processes would push the quick run past its test's time limit (each has its own test).
  if (!o.quick) pushAll(rows, await benchFlatTrain(o));
  if (!o.quick) pushAll(rows, await benchDecide(o));
  if (!o.quick && process.env.CURATOR_BENCH_PASSES === "1") pushAll(rows, await benchDecidePasses(o));
  // Not in --quick either: four server processes (run it alone with --only refserver --quick).
  if (!o.quick) pushAll(rows, await benchRefServer(o));
  return rows;
}

function markdown(rows: BenchRow[], seconds: number, args: Args): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    "# `npm run bench`",
    "",
    `Toolkit ${TOOLKIT_VERSION} (commit ${gitCommit().slice(0, 12)}), ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ` +
      `${cpus().length} × ${cpu}; load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")}; ` +
      `the whole bench took ${Math.round(seconds)} s${args.quick ? " (--quick)" : ""}.`,
    "",
    "Every speed claim is a ratio against a peer measured in the same run on the same machine (alternating with",
    "ours where possible), so it holds on a noisy machine; absolute values move with the load. `speedup` > 1 means",
    "ours is better (peer time / our time, or our rate / peer rate). Each figure is the median of several runs",
    "after a warm-up unless its row says otherwise. Reproduce with `npm run bench -- --out experiments/results/bench`.",
    "",
    markdownTable(rows),
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const t0 = performance.now();
  const rows = await runBench({ quick: args.quick, install: args.install, log }, args.only);
  const seconds = (performance.now() - t0) / 1000;
  const doc = toJson(rows);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, "bench.json"), `${JSON.stringify(doc, null, 2)}\n`);
    writeFileSync(join(args.out, "bench.md"), markdown(rows, seconds, args));
    log(`wrote ${join(args.out, "bench.json")} and bench.md`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(doc)}\n`);
  else process.stdout.write(`${textTable(rows)}\n\n(${Math.round(seconds)} s)\n`);
  // onnxruntime / DuckDB / tfjs keep handles open; the work is done.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
