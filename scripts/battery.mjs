// `npm run battery`: every curator (shipped model + every baseline that runs outside the simulator) on the expert
// battery, with and without the structural rules; writes experiments/results/battery/{results.json,report.md}.
import { mkdirSync, writeFileSync } from "node:fs";
import { readBattery, scoreCurator, batteryMarkdown } from "../dist/eval/battery/run.js";
import { BASELINE_NAMES, BASELINES } from "../dist/curators/registry.js";

const fixture = process.argv[2] ?? "test/fixtures/expert-battery.jsonl";
const out = process.argv[3] ?? "experiments/results/battery";
const rows = readBattery(fixture);
const specs = [
  "models/default/curator.onnx",
  ...BASELINE_NAMES.filter((n) => !BASELINES[n].needsSimulator && n !== "random"),
];
const scores = [];
for (const spec of specs)
  for (const structure of [false, true]) {
    const s = await scoreCurator(spec, rows, structure);
    console.error(`${spec} structure=${structure}: ${s.overall.correct}/${s.overall.total}`);
    scores.push(s);
  }
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/results.json`, JSON.stringify({ fixture, scores }, null, 2) + "\n");
writeFileSync(`${out}/report.md`, batteryMarkdown(scores, rows, fixture));
console.error(`Wrote ${out}/report.md`);
