// Rebuilds test/fixtures/expert-battery.jsonl from the shared real sources (rules: src/eval/battery/build.ts).
// Usage: npm run build && node scripts/build-expert-battery.mjs [../shared/data/real] [out.jsonl]
import { writeFileSync } from "node:fs";
import { buildBattery } from "../dist/eval/battery/build.js";

const root = process.argv[2] ?? "../shared/data/real";
const out = process.argv[3] ?? "test/fixtures/expert-battery.jsonl";
const rows = buildBattery(root);
writeFileSync(out, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
const counts = {};
for (const r of rows) counts[r.class] = (counts[r.class] ?? 0) + 1;
console.error(`Wrote ${out}: ${rows.length} rows`, counts);
