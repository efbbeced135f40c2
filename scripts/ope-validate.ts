/**
 * Validates `curator ope` on the simulator (a development task, not part of the library): for each world and
 * target curator, the off-policy estimates from a behaviour dataset against the curator's on-policy value on
 * the same streams (src/bench/ope-validate.ts). Writes OUT/results.json and OUT/report.md.
 *
 *   npx tsx scripts/ope-validate.ts [OUT] [--quick]     (default OUT experiments/results/ope-validation)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateOpe } from "../src/bench/ope-validate.js";
import { ESTIMATORS } from "../src/ope/estimators.js";
import { mdTable } from "../src/eval/markdown.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const out = args.find((a) => !a.startsWith("--")) ?? "experiments/results/ope-validation";
const t0 = Date.now();
const r = await validateOpe(
  quick ? { worlds: ["tiny"], curators: ["none", "heuristic"], streams: 4, tasks: 80, bootstrap: 50 } : {},
  (l) => process.stderr.write(`${l}\n`),
);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const md = [
  "# OPE validation on the simulator",
  "",
  `Behaviour \`${r.options.behavior}\` with epsilon ${r.options.epsilon}; executors ${r.options.executors}; ${r.options.streams} streams × ${r.options.tasks} tasks per world; seed ${r.options.seed}; ${r.options.bootstrap} bootstrap resamples. Run time ${((Date.now() - t0) / 1000).toFixed(0)} s.`,
  "",
  "Truth: the curator's on-policy value per task (it collects the same streams itself, epsilon 0). Relative error = (estimate − truth) / |truth|; gap error = (estimate − truth) / |truth − behaviour value|; sign right = the estimate puts the curator on the right side of the behaviour.",
  "",
  "## Summary",
  "",
  ...mdTable(
    ["estimator", "within ±20%", "median |rel. error|", "median |gap error|", "sign right", "95% CI coverage"],
    ESTIMATORS.map((e) => {
      const s = r.summary[e];
      return [
        e,
        pct(s.within20),
        pct(s.medianAbsRelError),
        s.medianAbsGapError.toFixed(2),
        pct(s.signRight),
        pct(s.coverage),
      ];
    }),
  ),
  "",
  `Best single estimator within ±20% on ${pct(r.bestWithin20)} of ${r.pairs.length} curator/world pairs (target ≥ 80%).`,
  "",
  "## Pairs",
  "",
  ...mdTable(
    ["world", "curator", "truth", "behaviour", ...ESTIMATORS],
    r.pairs.map((p) => [
      p.world,
      p.curator,
      p.truth.value.toFixed(4),
      p.behavior.toFixed(4),
      ...ESTIMATORS.map(
        (e) =>
          `${p.estimates[e].value.toFixed(4)} (${pct(p.estimates[e].relativeError)}${p.estimates[e].covered ? "" : ", CI misses"})`,
      ),
    ]),
    2,
  ),
  "",
];
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "results.json"), `${JSON.stringify(r, null, 2)}\n`);
writeFileSync(join(out, "report.md"), md.join("\n"));
process.stderr.write(`wrote ${out}\n`);
