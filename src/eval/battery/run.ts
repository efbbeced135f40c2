/**
 * Runs curators on the expert battery and scores them per class: a decision is right when it is one of the
 * actions the row accepts. Each library of the battery is decided as one pass (`curator decide`'s route,
 * decideWithCurator) with the change cap lifted and no minimum age, so every item gets the curator's own
 * judgement; `mid` is the executor profile. With `structure`, decide applies its structural rules
 * (governance/structure.ts: called skills, exact duplicates, placeholder text, no-op skills) as it does by
 * default; without, the curator's judgement alone is scored.
 */
import { minOf } from "../../util/arrays.js";
import { readFileSync } from "node:fs";
import type { Action } from "../../actions.js";
import { decideWithCurator } from "../../runtime/decide.js";
import { GovernanceSchema } from "../../schemas/world.js";
import { resolveCurator } from "../../curators/resolve.js";
import { CuratorError } from "../../errors.js";
import { BATTERY_CLASSES, BatteryRowSchema, type BatteryClass, type BatteryRow } from "./schema.js";

export const BATTERY_GOVERNANCE = GovernanceSchema.parse({ maxChangeShare: 1, minAgeToRetire: 0 });
export const BATTERY_EXECUTOR = "mid";

export function readBattery(path: string): BatteryRow[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const rows: BatteryRow[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = BatteryRowSchema.safeParse(JSON.parse(line));
    if (!parsed.success)
      throw new CuratorError(
        "INVALID_FILE",
        `${path} line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}. Rebuild it with scripts/build-expert-battery.mjs.`,
      );
    rows.push(parsed.data);
  });
  return rows;
}

export interface ClassScore {
  correct: number;
  total: number;
}

export interface BatteryScore {
  curator: string;
  structure: boolean;
  perClass: Partial<Record<BatteryClass, ClassScore>>;
  overall: ClassScore;
  /** Lowest per-class accuracy. */
  worstClass: number;
  /** Each scored row's decision, in fixture order. */
  decisions: { id: string; class: BatteryClass; action: Action; right: boolean }[];
}

function bySource(rows: readonly BatteryRow[]): Map<string, BatteryRow[]> {
  const out = new Map<string, BatteryRow[]>();
  for (const r of rows) out.set(r.source, [...(out.get(r.source) ?? []), r]);
  return out;
}

export async function scoreCurator(
  spec: string,
  rows: readonly BatteryRow[],
  structure: boolean,
): Promise<BatteryScore> {
  const { curator, modelHash } = await resolveCurator(spec);
  const chosen = new Map<BatteryRow, Action>();
  for (const group of bySource(rows).values()) {
    const items = group.map((r) => r.item);
    const res = await decideWithCurator(curator, modelHash, items, BATTERY_EXECUTOR, {
      now: group[0].now,
      governance: BATTERY_GOVERNANCE,
      structuralRules: structure,
    });
    group.forEach((row, i) => chosen.set(row, res.decisions[i].action));
  }
  await curator.dispose?.();
  const perClass: Partial<Record<BatteryClass, ClassScore>> = {};
  const decisions: BatteryScore["decisions"] = [];
  for (const row of rows) {
    if (row.class === "context") continue;
    const action = chosen.get(row) ?? "keep";
    const right = row.accept.includes(action);
    const s = (perClass[row.class] ??= { correct: 0, total: 0 });
    s.total++;
    if (right) s.correct++;
    decisions.push({ id: row.item.id, class: row.class, action, right });
  }
  const overall = Object.values(perClass).reduce(
    (a, s) => ({ correct: a.correct + s.correct, total: a.total + s.total }),
    { correct: 0, total: 0 },
  );
  const worstClass = minOf(Object.values(perClass).map((s) => s.correct / s.total));
  return { curator: spec, structure, perClass, overall, worstClass, decisions };
}

export function batteryMarkdown(scores: readonly BatteryScore[], rows: readonly BatteryRow[], fixture: string): string {
  const classes = BATTERY_CLASSES.filter((c) => c !== "context" && rows.some((r) => r.class === c));
  const count = (c: BatteryClass) => rows.filter((r) => r.class === c).length;
  const pct = (s?: ClassScore) => (s && s.total ? `${((100 * s.correct) / s.total).toFixed(1)}%` : "");
  const lines = [
    "# Expert battery",
    "",
    `Fixture \`${fixture}\`: ${rows.filter((r) => r.class !== "context").length} scored real items (+ ${count("context")} unscored context skills) ` +
      `from the shared real sources, classes built by the rules in src/eval/battery/build.ts and read by hand. ` +
      `A decision is right when it is one the class accepts. Each library is one decide pass (executor \`${BATTERY_EXECUTOR}\`, change cap lifted). ` +
      "Structure = decide's structural rules (src/governance/structure.ts: called skills are not retired, exact duplicates retire to one copy, " +
      "placeholder text and no-op skills are rewritten or retired), on by default in decide; without them the curator's judgement alone is scored. " +
      "The placeholder and noop-skill classes are labelled by rules close to those structural rules (src/eval/battery/build.ts), so with structure " +
      "those classes measure the rules, not the curator.",
    "",
    "| class | rows | accepted |",
    "|:--|--:|:--|",
    ...classes.map((c) => `| ${c} | ${count(c)} | ${rows.find((r) => r.class === c)?.accept.join(", ")} |`),
    "",
    `| curator | structure | overall | worst class | ${classes.join(" | ")} |`,
    `|:--|:--|--:|--:|${classes.map(() => "--:").join("|")}|`,
    ...scores.map(
      (s) =>
        `| ${s.curator} | ${s.structure ? "yes" : "no"} | ${pct(s.overall)} | ${(100 * s.worstClass).toFixed(1)}% | ${classes.map((c) => pct(s.perClass[c])).join(" | ")} |`,
    ),
    "",
    "Target for the shipped model (issue 16): ≥ 90% overall with no class below 75%.",
    "",
  ];
  return lines.join("\n");
}
