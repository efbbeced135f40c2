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
import {
  answersMatch,
  elisions,
  normKey,
  parseMemoryItems,
  parsePreviousSolutions,
  runInfo,
  type RunInfo,
} from "./dc-parse.js";
import { emptyParts, outcomeStats, versionId, type Comparison, type ImportParts, type TaskEvent } from "./types.js";
import { checkerForSource } from "../tasks/answer.js";

interface Question {
  idx: string;
  input: string;
  target: unknown;
  answer: unknown;
  correct: boolean | null;
  before: string | null;
  after: string | null;
}

const groupOf = (r: Run): string => `${r.info.dataset}/${r.info.model}`;

interface Run {
  info: RunInfo;
  file: string;
  questions: Question[];
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

function readRun(file: string, dataset: string, ctx: ImportContext): Question[] {
  let rows: { line: number; value: unknown }[];
  if (/\.jsonl$/i.test(file)) rows = ctx.readJsonl(file);
  else {
    const v = ctx.readJson(file);
    rows = Array.isArray(v) ? v.map((value, k) => ({ line: k + 1, value })) : [];
    if (v !== undefined && !Array.isArray(v))
      ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: expected a list of question records`);
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
    const correct = answersMatch(r.final_answer, r.target, dataset, input);
    if (correct === null)
      ctx.repaired.add("missing-field", `${where}: target or final_answer missing; question kept with outcome unknown`);
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
  versions: { key: string; text: string; count: number | null; section: string | null; placeholder: boolean }[];
  source?: string;
}

/** What a cheatsheet says about an item's use: its `** Count: N **` and its `(Reference: Q…)` list. */
interface UsageMark {
  count: number | null;
  refs: number[];
}

interface Tracked {
  lineages: Lineage[];
  /** per context (questions 0..n-1, then the final cheatsheet): the version of each lineage present */
  present: Map<Lineage, number>[];
  /** per context: the usage marks of each memory lineage present */
  usage: Map<Lineage, UsageMark>[];
  /** per context: the cheatsheet holds an elision placeholder (`[Previous … remain unchanged]`) */
  elided: boolean[];
}

/** The item versions (lineage, version) in each context: questions 0..n-1, then the final cheatsheet. */
function trackItems(run: Run, ctx: ImportContext): Tracked {
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
  const usage: Map<Lineage, UsageMark>[] = [];
  const elided: boolean[] = [];
  for (let t = 0; t < texts.length; t++) {
    const now = new Map<Lineage, number>();
    const marks = new Map<Lineage, UsageMark>();
    const prev = present[t - 1] ?? new Map<Lineage, number>();
    const place = (
      key: string,
      text: string,
      kind: Lineage["kind"],
      extra: Omit<Lineage["versions"][number], "key" | "text">,
      source?: string,
    ): void => {
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
        ctx.repaired.add(
          "unclosed-tag",
          `${run.info.name}: <memory_item> "${m.text.slice(0, 60)}" closed at the next item, section header or placeholder`,
        );
      }
      place(m.key, m.text, "memory", { count: m.count, section: m.section, placeholder: m.placeholder });
      const lin = byKey.get(`memory\0${m.key}`)?.[0];
      if (lin && !marks.has(lin)) marks.set(lin, { count: m.count, refs: m.refs });
    }
    for (const s of parsePreviousSolutions(texts[t])) {
      const input = normKey(s.input).slice(0, 300);
      const from = inputs.findIndex((x, k) => k < t && x !== "" && (x.startsWith(input) || input.startsWith(x)));
      const source = from >= 0 ? q[from].idx : `h${shortHash(input)}`;
      const text = `${s.input}\n\n${s.solution}`.trim();
      if (text === "") continue;
      place(normKey(text), text, "solution", { count: null, section: null, placeholder: false }, source);
    }
    present.push(now);
    usage.push(marks);
    elided.push(elisions(texts[t]).length > 0);
  }
  return { lineages, present, usage, elided };
}

/**
 * The lineages the run itself marks as used for each question: retrieved previous solutions, and memory items
 * in context whose `** Count: N **` rose or whose reference list gained the question. Cumulative runs mark after
 * answering (cheatsheet_before → cheatsheet_after); synthesis runs mark while building the question's cheatsheet
 * (the previous cheatsheet → cheatsheet_before).
 */
function usedLineages(run: Run, tr: Tracked): Set<Lineage>[] {
  const none = new Map<Lineage, UsageMark>();
  return run.questions.map((x, t) => {
    const used = new Set<Lineage>();
    const [prior, marked] =
      run.info.approach === "synthesis"
        ? [tr.usage[t - 1] ?? none, tr.usage[t]]
        : [tr.usage[t], tr.usage[t + 1] ?? none];
    const qno = (/^\d+$/.test(x.idx) ? Number(x.idx) : t) + 1;
    for (const l of tr.present[t].keys()) {
      if (l.kind === "solution") {
        used.add(l);
        continue;
      }
      const m = marked.get(l);
      const p = prior.get(l);
      if (!m) continue;
      if ((m.count !== null && m.count > (p?.count ?? 0)) || (m.refs.includes(qno) && !p?.refs.includes(qno)))
        used.add(l);
    }
    return used;
  });
}

/** correct(with memory) − correct(same prompt without), per question; null where either is unknown or there is no reference. */
function pairedDeltas(run: Run, ref: Run | undefined): (number | null)[] {
  const refCorrect = new Map(ref?.questions.map((x) => [x.idx, x.correct]) ?? []);
  return run.questions.map((x) => {
    const r = refCorrect.get(x.idx);
    return ref && typeof r === "boolean" && x.correct !== null ? Number(x.correct) - Number(r) : null;
  });
}

/** In context for at least this many questions with a known paired outcome and never marked used: dead weight. */
export const DEAD_WEIGHT_MIN_CONTEXTS = 3;

function assemble(run: Run, ref: Run | undefined, ctx: ImportContext, parts: ImportParts): void {
  const tr = trackItems(run, ctx);
  const { lineages, present } = tr;
  const n = run.questions.length;
  const refCorrect = new Map(ref?.questions.map((x) => [x.idx, x.correct]) ?? []);
  const used = usedLineages(run, tr);
  const deltas = pairedDeltas(run, ref);
  const marksUsage = used.some((u) => u.size > 0);
  const lib = run.info.name;
  const finalOf = (l: Lineage): number | undefined =>
    run.info.approach === "retrieval" && l.kind === "solution" ? l.versions.length - 1 : present[n].get(l);
  const idOf = (l: Lineage, v: number): string =>
    versionId(
      `${lib}/${l.kind === "memory" ? `m${String(l.no).padStart(3, "0")}` : `sol-q${l.source}`}`,
      v,
      finalOf(l) === v,
    );
  for (const l of lineages) {
    const seen = present.map((p) => p.get(l));
    const first = seen.findIndex((v) => v !== undefined);
    const lastSeen = seen.reduce<number>((a, v, t) => (v !== undefined ? t : a), -1);
    // the lineage left the text where the writer elided part of the cheatsheet: not a removal
    const elided = l.kind === "memory" && lastSeen < n && tr.elided[lastSeen + 1];
    const inContext = seen
      .map((v, t) => (v !== undefined && t < n && deltas[t] !== null ? t : -1))
      .filter((t) => t >= 0);
    const credited = inContext.filter((t) => used[t].has(l));
    const uplift = credited.reduce((a, t) => a + deltas[t]!, 0);
    const judged = ref !== undefined && marksUsage && inContext.length > 0;
    l.versions.forEach((ver, v) => {
      const last = seen.lastIndexOf(v);
      const upto = seen.map((x, t) => (x !== undefined && t < n && t <= last ? t : -1)).filter((t) => t >= 0);
      const known = upto.map((t) => run.questions[t].correct).filter((c): c is boolean => c !== null);
      const os = outcomeStats(known);
      const id = idOf(l, v);
      const isFinal = finalOf(l) === v;
      const tags = ver.section ? [`section:${ver.section}`] : l.kind === "solution" ? ["previous-solution"] : [];
      parts.items.push({
        id,
        library: lib,
        kind: "context",
        content: ver.text,
        author: run.info.model,
        tags: ver.placeholder ? [...tags, "placeholder"] : tags,
        stats: {
          createdAt: first,
          lastRetrievedAt: upto.at(-1) ?? null,
          ...os,
          timesRetrieved: upto.length,
          rewrites: v,
          compressions: 0,
        },
        meta: {
          dataset: run.info.dataset,
          model: run.info.model,
          approach: run.info.approach,
          lineage: l.no,
          version: v + 1,
          ...(ver.count !== null ? { count: ver.count } : {}),
          ...(l.source ? { sourceQuestion: l.source } : {}),
          ...(ver.placeholder ? { placeholder: true } : {}),
        },
        final: isFinal,
      });
      const count = l.versions
        .slice(0, v + 1)
        .reduce<number | null>((a, x) => (x.count === null ? a : Math.max(a ?? 0, x.count)), null);
      const lastVersion = v === l.versions.length - 1;
      parts.labels.push({
        id,
        library: lib,
        inFinal: isFinal,
        rewrittenLater: !lastVersion,
        removedLater:
          run.info.approach === "retrieval" && l.kind === "solution"
            ? false
            : present[n].get(l) === undefined && !elided,
        uplift: judged ? uplift : null,
        harmful: judged ? uplift < 0 : null,
        helpful: judged ? uplift > 0 : null,
        deadWeight: judged ? inContext.length >= DEAD_WEIGHT_MIN_CONTEXTS && credited.length === 0 : null,
        neverUsed: l.kind === "solution" ? false : upto.length === 0 || count === null ? null : count <= 1,
        ...(elided && lastVersion ? { elided: true } : {}),
        evidence: {
          inContext: inContext.length,
          creditedQuestions: credited.map((t) => run.questions[t].idx),
          hurtQuestions: credited.filter((t) => deltas[t]! < 0).map((t) => run.questions[t].idx),
          helpedQuestions: credited.filter((t) => deltas[t]! > 0).map((t) => run.questions[t].idx),
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
  run.questions.forEach((x, t) =>
    parts.events.push({
      ...questionEvent(
        run,
        ref,
        refCorrect,
        x,
        t,
        [...present[t]].map(([l, v]) => idOf(l, v)),
      ),
      usedItemIds: marksUsage ? [...used[t]].map((l) => idOf(l, present[t].get(l)!)) : null,
    }),
  );
}

function questionEvent(
  run: Run,
  ref: Run | undefined,
  refCorrect: Map<string, boolean | null>,
  x: Question,
  t: number,
  itemIds: string[] | null,
): TaskEvent {
  const r = ref ? refCorrect.get(x.idx) : undefined;
  return {
    library: run.info.name,
    taskIndex: t,
    task: `question ${x.idx}`,
    outcome: x.correct === null ? "unknown" : x.correct ? "success" : "failure",
    outcomeBasis: `final_answer checked against target (${checkerForSource(run.info.dataset, String(x.target ?? ""))} checker)`,
    itemIds,
    ...(ref ? { referenceOutcome: typeof r === "boolean" ? (r ? "success" : "failure") : "unknown" } : {}),
    detail: {
      idx: x.idx,
      question: x.input.slice(0, 160),
      target: x.target ?? null,
      answer: x.answer ?? null,
      approach: run.info.approach,
      reference: ref?.info.name ?? null,
      referenceCorrect: ref ? (r ?? null) : null,
    },
  };
}

/** Two runs of the same questions compared question by question (outcomes known in both). */
function compare(kind: Comparison["kind"], group: string, a: Run, b: Run | undefined, note: string): Comparison {
  const bc = new Map(b?.questions.map((x) => [x.idx, x.correct]) ?? []);
  const c = { both: 0, aOnly: 0, bOnly: 0, neither: 0 };
  if (b)
    for (const x of a.questions) {
      const y = bc.get(x.idx);
      if (x.correct === null || typeof y !== "boolean") continue;
      c[x.correct ? (y ? "both" : "aOnly") : y ? "bOnly" : "neither"]++;
    }
  return {
    kind,
    group,
    a: a.info.name,
    b: b?.info.name ?? null,
    n: c.both + c.aOnly + c.bOnly + c.neither,
    ...c,
    note,
  };
}

export function importDynamicCheatsheet(path: string, ctx: ImportContext): ImportParts {
  const files = isFile(path) ? [path] : walkFiles(path).filter((f) => /\.jsonl?$/i.test(f));
  if (files.length === 0) {
    throw new CuratorError(
      "INVALID_FILE",
      `No Dynamic Cheatsheet run files under '${path}': expected *.jsonl files (DATASET/MODEL_APPROACH.jsonl). Pass a run file or the folder holding them.`,
    );
  }
  // prefer the slim copy of a run over the raw one, whichever the folder walk meets first
  files.sort((a, b) => Number(/[\\/]raw[\\/]/.test(a)) - Number(/[\\/]raw[\\/]/.test(b)) || (a < b ? -1 : 1));
  const runs = new Map<string, Run>();
  for (const file of files) {
    const info = runInfo(ctx.rel(file).includes("/") ? ctx.rel(file) : file);
    if (runs.has(info.name)) {
      ctx.skipped.add(
        "duplicate-run",
        `${ctx.rel(file)}: run ${info.name} already read from ${ctx.rel(runs.get(info.name)!.file)}`,
      );
      continue;
    }
    const questions = readRun(file, info.dataset, ctx);
    if (questions.length) runs.set(info.name, { info, file, questions });
  }
  // the reference is the same prompt without memory (EmptyCheatsheet); Baseline is a different prompt and never stands in
  const noMemory = new Map<string, Run[]>();
  for (const r of runs.values())
    if (r.info.approach === "none") noMemory.set(groupOf(r), [...(noMemory.get(groupOf(r)) ?? []), r]);
  const refs = new Map(
    [...noMemory].flatMap(([g, rs]) =>
      rs
        .filter((r) => /empty/i.test(r.info.variant))
        .slice(0, 1)
        .map((r) => [g, r] as const),
    ),
  );
  const parts = emptyParts([
    "One library per memory run (DATASET/MODEL_APPROACH); items are cheatsheet memory items or, for retrieval runs, previous input/solution pairs (kind context).",
    "Context of question t = its cheatsheet_before; stats count the questions an item (any earlier version) was in context, successes = answered correctly. createdAt = the first question whose context holds it (written after the question before; the simulator's convention).",
    "Ids: <run>/mNNN for a memory item lineage, <run>/sol-qIDX for a previous solution; superseded or removed versions carry @vN. meta.count is the cheatsheet's own `** Count: N **`.",
    "Answers are checked by the benchmark's checker (numeric for AIME, option letter for GPQA, expression checkers for Game of 24 / equations), not by string equality.",
    "Credited paired uplift: per question d = correct(memory run) − correct(same model, same prompt, empty cheatsheet: EmptyCheatsheet); d is credited only to the items the run marks as used for that question (retrieved solutions; memory items whose `** Count: N **` rose or whose `(Reference: Q…)` list gained the question). uplift = Σ credits of the item's lineage; harmful < 0, helpful > 0, deadWeight = in context for ≥ 3 questions, never credited. Without an EmptyCheatsheet run the credited labels are null (Baseline is a different prompt and never used as the reference).",
    "Proxies: rewrittenLater / removedLater = what the writing model did next; an item that left the text where the model elided part of its cheatsheet (`[Previous … preserved]`) is marked elided and not removed. neverUsed = Count never rose above 1 while in context.",
    "Retrieval runs store a previous solution's text only when it is retrieved, so never-retrieved solutions are absent.",
  ]);
  for (const r of runs.values()) {
    const ref = refs.get(groupOf(r));
    if (r.info.approach === "none") {
      const rc = new Map<string, boolean | null>();
      r.questions.forEach((x, t) => parts.events.push(questionEvent(r, undefined, rc, x, t, [])));
    } else {
      assemble(r, ref, ctx, parts);
      parts.comparisons.push(
        compare(
          "paired-uplift",
          groupOf(r),
          r,
          ref,
          ref
            ? "same prompt with an empty cheatsheet"
            : "no same-prompt run without memory (EmptyCheatsheet): credited labels skipped; Baseline is a different prompt and is not used",
        ),
      );
    }
  }
  for (const [g, rs] of noMemory)
    for (let i = 0; i < rs.length; i++)
      for (let j = i + 1; j < rs.length; j++)
        parts.comparisons.push(
          compare(
            "noise-floor",
            g,
            rs[i],
            rs[j],
            rs[i].info.variant === rs[j].info.variant
              ? "two runs of the same prompt"
              : `different prompts (${rs[i].info.variant} vs ${rs[j].info.variant}): an upper bound on run-to-run noise`,
          ),
        );
  return parts;
}
