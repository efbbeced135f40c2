/**
 * Builds the expert battery from the shared real sources by stated rules (checked in this order; the first
 * that matches classifies an item, so each item is in one class):
 *  1. called-skill   a Voyager skill another live skill of its library calls (structure.ts)      → keep, rewrite
 *  2. placeholder    the text holds an elision placeholder ("[Previous content preserved...]", "[... remain
 *                    unchanged ...]", "[...]") — the item's own text is missing or partial      → rewrite, retire
 *  3. duplicate      an exact or near-exact duplicate within its library: equal normalised text, or MinHash
 *                    Jaccard ≥ NEAR_EXACT on the normalised text. Per group the best is kept (helpful − harmful,
 *                    successes, oldest, then the longer text, then the first) → best: keep, compress; rest: retire
 *  4. noop-skill     a skill whose function body, without comments and bot.chat(...) calls, is empty, or that
 *                    declares no function at all, or junk: saved under its prompt template's name (JUNK_NAME,
 *                    e.g. `yourMainFunctionName`, a wrapper around a copy of another skill)              → retire, rewrite
 *  5. helpful        ≥ HELPFUL_MIN successes when retrieved and a success share ≥ HELPFUL_SHARE    → keep
 *  6. verbose        a context item of ≥ VERBOSE_TOKENS tokens, not failing more than it succeeds → compress
 * Everything else in a Voyager library is kept as unscored `context` (so the dependency graph is complete);
 * elsewhere it is left out. Each class is capped at CLASS_CAP rows (duplicate groups kept whole), chosen by a
 * hash of the id so the same sources give the same fixture.
 */
import { pushAll } from "../../util/arrays.js";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { LibraryItem } from "../../schemas/item.js";
import type { Action } from "../../actions.js";
import { loadImport } from "../../import/run.js";
import type { ImportFormat } from "../../import/types.js";
import { estimateJaccard, minhash } from "../../text/similarity.js";
import {
  compareForKeeping,
  dependencyMaskBits,
  MASK_BITS,
  normalizeContent,
  skillCalls,
  skillName,
  stripJsNoise,
  isEmptyJsFunction,
  isJunkSkill,
} from "../../governance/structure.js";
import type { BatteryClass, BatteryRow } from "./schema.js";

export const BATTERY_RULES = {
  nearExact: 0.9,
  helpfulMin: 3,
  helpfulShare: 0.75,
  verboseTokens: 400,
  classCap: 60,
} as const;

export const BATTERY_SOURCES: readonly { format: ImportFormat; path: string }[] = [
  { format: "voyager", path: "voyager" },
  { format: "ace-playbook", path: "ace_appworld/final" },
  { format: "dynamic-cheatsheet", path: "dynamic_cheatsheet/slim" },
];

const PLACEHOLDER =
  /\[(?:[^\]\n]{0,80}?\b(?:preserved|unchanged|omitted|as before|same as above|remain(?:s|ing)?)\b[^\]\n]{0,80})\]|\[\s*(?:\.\.\.|…)\s*\]/i;

export function hasPlaceholder(text: string): boolean {
  return PLACEHOLDER.test(text);
}

/**
 * The battery's no-op label: decide's no-op rule (structure.ts: an empty JavaScript function, or a template
 * name) or a "skill" that declares no function at all. Broader than the rule, which never judges code it cannot
 * read as JavaScript.
 */
export function isNoopSkillLabel(item: Pick<LibraryItem, "id" | "content">): boolean {
  const clean = stripJsNoise(item.content);
  return !/\bfunction\b|=>/.test(clean) || clean.indexOf("{") < 0 || isEmptyJsFunction(item.content);
}

interface Candidate {
  item: LibraryItem;
  library: string;
  source: string;
  now: number;
}

function libraryNow(items: readonly LibraryItem[]): number {
  let now = 0;
  for (const it of items) now = Math.max(now, it.stats?.createdAt ?? 0, it.stats?.lastRetrievedAt ?? 0);
  return now;
}

const rank = (id: string) => createHash("sha256").update(id).digest("hex");

/** Near-exact groups (union of pairs at Jaccard ≥ nearExact or equal normalised text), 2+ rows each. */
function duplicateGroups(items: readonly LibraryItem[]): number[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const norm = items.map((it) => normalizeContent(it.content));
  const sigs = norm.map((t) => minhash(t));
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++)
      if (
        items[i].kind === items[j].kind &&
        (norm[i] === norm[j] || estimateJaccard(sigs[i], sigs[j]) >= BATTERY_RULES.nearExact)
      )
        parent[find(j)] = find(i);
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  return [...groups.values()].filter((g) => g.length > 1);
}

function classify(
  items: readonly LibraryItem[],
  source: string,
): { row: number; cls: BatteryClass; accept: Action[]; rule: string }[] {
  const out: { row: number; cls: BatteryClass; accept: Action[]; rule: string }[] = [];
  const taken = new Set<number>();
  const put = (row: number, cls: BatteryClass, accept: Action[], rule: string) => {
    if (taken.has(row)) return;
    taken.add(row);
    out.push({ row, cls, accept, rule });
  };
  const bits = dependencyMaskBits(items);
  const calls = skillCalls(items);
  items.forEach((it, r) => {
    if (!(bits[r] & MASK_BITS.retire)) {
      const callers = calls.flatMap((cs, c) => (cs.includes(r) ? [skillName(items[c])] : []));
      put(
        r,
        "called-skill",
        ["keep", "rewrite"],
        `called-skill: ${skillName(it)} is called by live ${callers.slice(0, 3).join(", ")}`,
      );
    }
  });
  items.forEach((it, r) => {
    const m = PLACEHOLDER.exec(it.content);
    if (m) put(r, "placeholder", ["rewrite", "retire"], `placeholder: holds "${m[0].slice(0, 60)}"`);
  });
  for (const g of duplicateGroups(items)) {
    if (g.some((r) => taken.has(r))) continue;
    const ordered = [...g].sort(
      (x, y) => compareForKeeping(items[x], items[y]) || items[y].content.length - items[x].content.length || x - y,
    );
    const exact = g.every((r) => normalizeContent(items[r].content) === normalizeContent(items[g[0]].content));
    const kind = exact ? "exact" : `near-exact (Jaccard ≥ ${BATTERY_RULES.nearExact})`;
    put(ordered[0], "duplicate-keep", ["keep", "compress"], `duplicate-keep: best of a ${kind} group of ${g.length}`);
    for (const r of ordered.slice(1))
      put(r, "duplicate-retire", ["retire"], `duplicate-retire: ${kind} duplicate of ${items[ordered[0]].id}`);
  }
  items.forEach((it, r) => {
    if (it.kind === "skill" && isNoopSkillLabel(it))
      put(
        r,
        "noop-skill",
        ["retire", "rewrite"],
        "noop-skill: empty body or no function (comments and bot.chat removed)",
      );
    else if (it.kind === "skill" && isJunkSkill(it))
      put(
        r,
        "noop-skill",
        ["retire", "rewrite"],
        `noop-skill: junk, saved under the template name '${it.id.split("/").pop()}'`,
      );
  });
  items.forEach((it, r) => {
    const s = it.stats?.successes ?? 0;
    const f = it.stats?.failures ?? 0;
    if (s >= BATTERY_RULES.helpfulMin && s / (s + f) >= BATTERY_RULES.helpfulShare)
      put(r, "helpful", ["keep"], `helpful: ${s} successes, ${f} failures when retrieved`);
  });
  items.forEach((it, r) => {
    const s = it.stats?.successes ?? 0;
    const f = it.stats?.failures ?? 0;
    if (it.kind === "context" && (it.tokens ?? 0) >= BATTERY_RULES.verboseTokens && f <= s)
      put(r, "verbose", ["compress"], `verbose: ${it.tokens} tokens, ${s} successes / ${f} failures`);
  });
  if (source.startsWith("voyager:"))
    items.forEach((_, r) => put(r, "context", [], "context: rest of the live skill library (unscored)"));
  return out;
}

/** The battery rows from the real sources under `root` (../shared/data/real). */
export function buildBattery(root: string): BatteryRow[] {
  const byClass = new Map<BatteryClass, BatteryRow[]>();
  for (const src of BATTERY_SOURCES) {
    const built = loadImport(src.format, join(root, src.path));
    const libs = new Map<string, LibraryItem[]>();
    for (const it of built.library) {
      const lib = String(it.meta?.library ?? "");
      libs.set(lib, [...(libs.get(lib) ?? []), it]);
    }
    for (const [lib, items] of [...libs].sort(([a], [b]) => a.localeCompare(b))) {
      const source = `${src.format}:${lib}`;
      const now = libraryNow(items);
      for (const c of classify(items, source))
        byClass.set(c.cls, [
          ...(byClass.get(c.cls) ?? []),
          { class: c.cls, accept: c.accept, rule: c.rule, source, now, item: items[c.row] },
        ]);
    }
  }
  const cap = (rows: BatteryRow[] = []) =>
    [...rows].sort((a, b) => rank(a.item.id).localeCompare(rank(b.item.id))).slice(0, BATTERY_RULES.classCap);
  const rows: BatteryRow[] = [...(byClass.get("context") ?? [])];
  for (const cls of ["placeholder", "noop-skill", "called-skill", "helpful", "verbose"] as const)
    pushAll(rows, cap(byClass.get(cls)));
  // Duplicate groups stay whole: the kept rows are capped, and each brings its group's retired rows.
  const keepers = cap(byClass.get("duplicate-keep"));
  const kept = new Set(keepers.map((r) => r.item.id));
  pushAll(rows, keepers);
  pushAll(
    rows,
    (byClass.get("duplicate-retire") ?? []).filter((r) => kept.has(keeperOf(r))),
  );
  // A Voyager skill left out by a cap stays as unscored context, so the library's call graph stays whole.
  const inRows = new Set(rows.map((r) => r.item.id));
  for (const list of byClass.values())
    for (const r of list)
      if (r.source.startsWith("voyager:") && !inRows.has(r.item.id))
        rows.push({ ...r, class: "context", accept: [], rule: `context: ${r.rule} (over the class cap, unscored)` });
  return rows.sort((a, b) => a.source.localeCompare(b.source) || a.item.id.localeCompare(b.item.id));
}

/** The kept item's id named in a duplicate-retire row's rule. */
export function keeperOf(row: BatteryRow): string {
  return row.rule.slice(row.rule.lastIndexOf(" of ") + 4);
}
