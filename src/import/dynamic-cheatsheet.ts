/**
 * Dynamic Cheatsheet runs. PATH is a run file or a folder of them (`DATASET/MODEL_APPROACH.jsonl`, or the raw
 * `DATASET__MODEL_APPROACH.jsonl`). One library per memory run; no-memory runs (`*_Baseline`,
 * `*_EmptyCheatsheet`) contribute task events and the reference outcome for the harmful label.
 *
 * The context of question t is its `cheatsheet_before`; the run's final library is the last
 * `cheatsheet_after`. An item is followed across cheatsheet versions by exact text, else by MinHash similarity
 * to an item of the previous cheatsheet; a changed text is a new version (a rewrite).
 */
import { CuratorError } from "../errors.js";
import { estimateJaccard, minhash, NEAR_DUPLICATE_THRESHOLD } from "../text/similarity.js";
import { isFile, isRecord, shortHash, walkFiles, type ImportContext } from "./context.js";
import { answersMatch, normKey, parseMemoryItems, parsePreviousSolutions, runInfo, type RunInfo } from "./dc-parse.js";
import { emptyParts, outcomeStats, versionId, type ImportParts, type TaskEvent } from "./types.js";

interface Question {
  idx: string;
  input: string;
  target: unknown;
  answer: unknown;
  correct: boolean | null;
  before: string | null;
  after: string | null;
}

interface Run {
  info: RunInfo;
  file: string;
  questions: Question[];
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

function readRun(file: string, ctx: ImportContext): Question[] {
  let rows: { line: number; value: unknown }[];
  if (/\.jsonl$/i.test(file)) rows = ctx.readJsonl(file);
  else {
    const v = ctx.readJson(file);
    rows = Array.isArray(v) ? v.map((value, k) => ({ line: k + 1, value })) : [];
    if (v !== undefined && !Array.isArray(v)) ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: expected a list of question records`);
  }
  const out: Question[] = [];
  for (const { line, value: r } of rows) {
    const where = `${ctx.rel(file)}:${line}`;
    if (!isRecord(r)) {
      ctx.skipped.add("unexpected-shape", `${where}: not a question record`);
      continue;
    }
    const input = str(r.raw_input) ?? str(r.input) ?? "";
    if (r.target === undefined && r.final_answer === undefined && input === "") {
      ctx.skipped.add("missing-field", `${where}: no raw_input, target or final_answer`);
      continue;
    }
    const correct = answersMatch(r.final_answer, r.target);
    if (correct === null) ctx.repaired.add("missing-field", `${where}: target or final_answer missing; question kept with outcome unknown`);
    out.push({
      idx: str(r.idx) ?? String(out.length),
      input,
      target: r.target,
      answer: r.final_answer,
      correct,
      before: str(r.cheatsheet_before),
      after: str(r.cheatsheet_after) ?? str(r.final_cheatsheet),
    });
  }
  return out;
}

interface Lineage {
  no: number;
  kind: "memory" | "solution";
  versions: { key: string; text: string; count: number | null; section: string | null }[];
  source?: string;
}

/** The item versions (lineage, version) in each context: questions 0..n-1, then the final cheatsheet. */
function trackItems(run: Run, ctx: ImportContext): { lineages: Lineage[]; present: Map<Lineage, number>[] } {
  const q = run.questions;
  const texts = q.map((x, t) => x.before ?? (t > 0 ? q[t - 1].after : null) ?? "");
  texts.push(q.at(-1)?.after ?? q.at(-1)?.before ?? "");
  const lineages: Lineage[] = [];
  const byKey = new Map<string, [Lineage, number]>();
  const sigs = new Map<string, Uint32Array>();
  const sig = (text: string): Uint32Array => {
    let s = sigs.get(text);
    if (!s) sigs.set(text, (s = minhash(text)));
    return s;
  };
  const inputs = q.map((x) => normKey(x.input).slice(0, 300));
  const present: Map<Lineage, number>[] = [];
  const reported = new Set<string>();
  for (let t = 0; t < texts.length; t++) {
    const now = new Map<Lineage, number>();
    const prev = present[t - 1] ?? new Map<Lineage, number>();
    const place = (key: string, text: string, kind: Lineage["kind"], extra: Omit<Lineage["versions"][number], "key" | "text">, source?: string): void => {
      const hit = byKey.get(`${kind}\0${key}`);
      let lin: Lineage | undefined = hit?.[0];
      let ver = hit?.[1] ?? -1;
      if (lin && now.has(lin)) return; // the same text twice in one cheatsheet: counted once
      if (!lin && kind === "solution") lin = lineages.find((l) => l.kind === "solution" && l.source === source);
      if (!lin && kind === "memory") {
        let best = NEAR_DUPLICATE_THRESHOLD;
        for (const [l, v] of prev) {
          if (l.kind !== "memory" || now.has(l)) continue;
          const s = estimateJaccard(sig(l.versions[v].text), sig(text));
          if (s >= best) [best, lin] = [s, l];
        }
      }
      if (!lin) {
        lin = { no: lineages.length + 1, kind, versions: [], ...(source ? { source } : {}) };
        lineages.push(lin);
      }
      if (ver < 0) {
        ver = lin.versions.length;
        lin.versions.push({ key, text, ...extra });
        byKey.set(`${kind}\0${key}`, [lin, ver]);
      } else if (extra.count !== null) {
        const v = lin.versions[ver]; // the cheatsheet's own usage counter only grows while the text stays
        v.count = Math.max(v.count ?? 0, extra.count);
      }
      now.set(lin, ver);
    };
    for (const m of parseMemoryItems(texts[t])) {
      if (m.unclosed && !reported.has(m.key)) {
        reported.add(m.key);
        ctx.repaired.add("unclosed-tag", `${run.info.name}: <memory_item> "${m.text.slice(0, 60)}" closed at the next item`);
      }
      place(m.key, m.text, "memory", { count: m.count, section: m.section });
    }
    for (const s of parsePreviousSolutions(texts[t])) {
      const input = normKey(s.input).slice(0, 300);
      const from = inputs.findIndex((x, k) => k < t && x !== "" && (x.startsWith(input) || input.startsWith(x)));
      const source = from >= 0 ? q[from].idx : `h${shortHash(input)}`;
      const text = `${s.input}\n\n${s.solution}`.trim();
      if (text === "") continue;
      place(normKey(text), text, "solution", { count: null, section: null }, source);
    }
    present.push(now);
  }
  return { lineages, present };
}

function assemble(run: Run, ref: Run | undefined, ctx: ImportContext, parts: ImportParts): void {
  const { lineages, present } = trackItems(run, ctx);
  const n = run.questions.length;
  const refCorrect = new Map(ref?.questions.map((x) => [x.idx, x.correct]) ?? []);
  const lib = run.info.name;
  const finalOf = (l: Lineage): number | undefined => (run.info.approach === "retrieval" && l.kind === "solution" ? l.versions.length - 1 : present[n].get(l));
  const idOf = (l: Lineage, v: number): string =>
    versionId(`${lib}/${l.kind === "memory" ? `m${String(l.no).padStart(3, "0")}` : `sol-q${l.source}`}`, v, finalOf(l) === v);
  for (const l of lineages) {
    const seen = present.map((p) => p.get(l));
    const first = seen.findIndex((v) => v !== undefined);
    l.versions.forEach((ver, v) => {
      const last = seen.lastIndexOf(v);
      const upto = seen.map((x, t) => (x !== undefined && t < n && t <= last ? t : -1)).filter((t) => t >= 0);
      const mine = seen.map((x, t) => (x === v && t < n ? t : -1)).filter((t) => t >= 0);
      const known = upto.map((t) => run.questions[t].correct).filter((c): c is boolean => c !== null);
      const os = outcomeStats(known);
      const id = idOf(l, v);
      const isFinal = finalOf(l) === v;
      parts.items.push({
        id,
        library: lib,
        kind: "context",
        content: ver.text,
        author: run.info.model,
        tags: ver.section ? [`section:${ver.section}`] : l.kind === "solution" ? ["previous-solution"] : [],
        stats: { createdAt: Math.max(0, first - 1), lastRetrievedAt: upto.at(-1) ?? null, ...os, timesRetrieved: upto.length, rewrites: v, compressions: 0 },
        meta: {
          dataset: run.info.dataset,
          model: run.info.model,
          approach: run.info.approach,
          lineage: l.no,
          version: v + 1,
          ...(ver.count !== null ? { count: ver.count } : {}),
          ...(l.source ? { sourceQuestion: l.source } : {}),
        },
        final: isFinal,
      });
      const hurt = ref ? mine.filter((t) => run.questions[t].correct === false && refCorrect.get(run.questions[t].idx) === true) : [];
      const helped = ref ? mine.filter((t) => run.questions[t].correct === true && refCorrect.get(run.questions[t].idx) === false) : [];
      const comparable = ref ? mine.filter((t) => run.questions[t].correct !== null && typeof refCorrect.get(run.questions[t].idx) === "boolean") : [];
      const count = l.versions.slice(0, v + 1).reduce<number | null>((a, x) => (x.count === null ? a : Math.max(a ?? 0, x.count)), null);
      parts.labels.push({
        id,
        library: lib,
        inFinal: isFinal,
        rewrittenLater: v < l.versions.length - 1,
        removedLater: run.info.approach === "retrieval" && l.kind === "solution" ? false : present[n].get(l) === undefined,
        harmful: comparable.length ? hurt.length > 0 : null,
        neverUsed: l.kind === "solution" ? false : upto.length === 0 || count === null ? null : count <= 1,
        evidence: {
          inContext: mine.length,
          hurtQuestions: hurt.map((t) => run.questions[t].idx),
          helpedQuestions: helped.map((t) => run.questions[t].idx),
          reference: ref?.info.name ?? null,
          count,
        },
      });
    });
  }
  present.forEach((p, t) =>
    parts.snapshots.push({
      library: lib,
      index: t,
      label: t < n ? `before question ${run.questions[t].idx}` : "after the last question",
      taskIndex: t,
      reconstructed: false,
      itemIds: [...p].map(([l, v]) => idOf(l, v)),
      missingItems: 0,
    }),
  );
  run.questions.forEach((x, t) => parts.events.push(questionEvent(run, ref, refCorrect, x, t, [...present[t]].map(([l, v]) => idOf(l, v)))));
}

function questionEvent(run: Run, ref: Run | undefined, refCorrect: Map<string, boolean | null>, x: Question, t: number, itemIds: string[] | null): TaskEvent {
  return {
    library: run.info.name,
    taskIndex: t,
    task: `question ${x.idx}`,
    outcome: x.correct === null ? "unknown" : x.correct ? "success" : "failure",
    outcomeBasis: "final_answer compared with target",
    itemIds,
    detail: {
      idx: x.idx,
      question: x.input.slice(0, 160),
      target: x.target ?? null,
      answer: x.answer ?? null,
      approach: run.info.approach,
      reference: ref?.info.name ?? null,
      referenceCorrect: ref ? (refCorrect.get(x.idx) ?? null) : null,
    },
  };
}

export function importDynamicCheatsheet(path: string, ctx: ImportContext): ImportParts {
  const files = isFile(path) ? [path] : walkFiles(path).filter((f) => /\.jsonl?$/i.test(f));
  if (files.length === 0) {
    throw new CuratorError("INVALID_FILE", `No Dynamic Cheatsheet run files under '${path}': expected *.jsonl files (DATASET/MODEL_APPROACH.jsonl). Pass a run file or the folder holding them.`);
  }
  // prefer the slim copy of a run over the raw one, whichever the folder walk meets first
  files.sort((a, b) => Number(/[\\/]raw[\\/]/.test(a)) - Number(/[\\/]raw[\\/]/.test(b)) || (a < b ? -1 : 1));
  const runs = new Map<string, Run>();
  for (const file of files) {
    const info = runInfo(ctx.rel(file).includes("/") ? ctx.rel(file) : file);
    if (runs.has(info.name)) {
      ctx.skipped.add("duplicate-run", `${ctx.rel(file)}: run ${info.name} already read from ${ctx.rel(runs.get(info.name)!.file)}`);
      continue;
    }
    const questions = readRun(file, ctx);
    if (questions.length) runs.set(info.name, { info, file, questions });
  }
  const refs = new Map<string, Run>();
  for (const r of runs.values()) {
    if (r.info.approach !== "none") continue;
    const key = `${r.info.dataset}\0${r.info.model}`;
    if (!refs.has(key) || /empty/i.test(r.info.variant)) refs.set(key, r);
  }
  const parts = emptyParts([
      "One library per memory run (DATASET/MODEL_APPROACH); items are cheatsheet memory items or, for retrieval runs, previous input/solution pairs (kind context).",
      "Context of question t = its cheatsheet_before; stats count the questions an item (any earlier version) was in context, successes = answered correctly. createdAt = the question after which it first appeared.",
      "Ids: <run>/mNNN for a memory item lineage, <run>/sol-qIDX for a previous solution; superseded or removed versions carry @vN. meta.count is the cheatsheet's own `** Count: N **`.",
      "harmful = in context for a question the memory run got wrong and the same model's no-memory run (EmptyCheatsheet, else Baseline) got right. neverUsed = Count never rose above 1 while in context.",
      "Retrieval runs store a previous solution's text only when it is retrieved, so never-retrieved solutions are absent.",
  ]);
  for (const r of runs.values()) {
    const ref = refs.get(`${r.info.dataset}\0${r.info.model}`);
    if (r.info.approach === "none") {
      const rc = new Map<string, boolean | null>();
      r.questions.forEach((x, t) => parts.events.push(questionEvent(r, undefined, rc, x, t, [])));
    } else assemble(r, ref, ctx, parts);
  }
  return parts;
}
