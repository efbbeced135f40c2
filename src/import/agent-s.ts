/**
 * Agent-S knowledge bases: `OS_episodic_memory__DATE_COMMIT_TAG.json` and `OS_narrative_memory…json`
 * (task/subtask key → summarised plan or failure summary), plus `OS_history_keys_by_commit.json` (which keys
 * each commit held, as indices into a union list). PATH is one such file or a folder of them.
 *
 * One library per OS and memory kind. Snapshots are the commits of the history index (text known only where
 * a memory file of that point exists) and the memory files themselves, in date order.
 */
import { basename } from "node:path";
import { CuratorError } from "../errors.js";
import { isRecord, shortHash, sourceFiles, type ImportContext } from "./context.js";
import { distinctVersions, emptyParts, versionId, type ImportParts, type Outcome } from "./types.js";
import { pushAll } from "../util/arrays.js";

interface MemoryFile {
  library: string;
  kind: string;
  date: string;
  commit: string | null;
  label: string;
  entries: Map<string, string>;
}

interface HistoryPoint {
  library: string;
  date: string;
  commit: string;
  label: string;
  keys: string[];
}

const NAME = /^(.+?)_(episodic|narrative)_memory(?:__(\d{4}-\d{2}-\d{2}))?(?:_([0-9a-f]{7,40}))?(?:_(\w+))?$/i;

function readMemory(file: string, ctx: ImportContext): MemoryFile | null {
  const j = ctx.readJson(file);
  if (j === undefined) return null;
  if (!isRecord(j)) {
    ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: expected an object of task key → memory text`);
    return null;
  }
  const stem = basename(file).replace(/\.json$/i, "");
  const m = NAME.exec(stem);
  const entries = new Map<string, string>();
  for (const [k, v] of Object.entries(j)) {
    if (typeof v !== "string") ctx.skipped.add("bad-field-type", `${ctx.rel(file)}: '${k.slice(0, 60)}' is not text`);
    else if (v.trim() === "" || k.trim() === "")
      ctx.skipped.add("empty-content", `${ctx.rel(file)}: '${k.slice(0, 60)}'`);
    else entries.set(k, v);
  }
  const tag = m?.[5] ?? "";
  return {
    library: m ? `${m[1]}/${m[2].toLowerCase()}` : stem,
    kind: m ? m[2].toLowerCase() : /narrative/i.test(stem) ? "narrative" : "episodic",
    date: m?.[3] ?? "",
    commit: m?.[4] ?? null,
    label: `${m?.[3] ?? stem}${m?.[4] ? ` ${m[4]}` : ""}${tag ? ` (${tag})` : ""}`,
    entries,
  };
}

function readHistory(file: string, ctx: ImportContext): HistoryPoint[] {
  const j = ctx.readJson(file);
  if (!isRecord(j)) {
    if (j !== undefined)
      ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: expected {path: {union_keys, versions}}`);
    return [];
  }
  const out: HistoryPoint[] = [];
  for (const [path, h] of Object.entries(j)) {
    const m = /([^/]+)\/(episodic|narrative)_memory\.json$/i.exec(path);
    if (!m || !isRecord(h) || !Array.isArray(h.union_keys) || !Array.isArray(h.versions)) {
      ctx.skipped.add("unexpected-shape", `${ctx.rel(file)}: entry '${path.slice(0, 80)}'`);
      continue;
    }
    const union = h.union_keys;
    for (const v of h.versions) {
      if (!isRecord(v) || !Array.isArray(v.key_ids) || typeof v.commit !== "string") {
        ctx.skipped.add("missing-field", `${ctx.rel(file)}: a version of ${path} without commit or key_ids`);
        continue;
      }
      const ids = v.key_ids.filter(
        (k): k is number => Number.isInteger(k) && k >= 0 && k < union.length && typeof union[k] === "string",
      );
      if (ids.length < v.key_ids.length)
        ctx.skipped.add(
          "unmatched-reference",
          `${ctx.rel(file)}: ${path} @ ${v.commit.slice(0, 7)}: key ids outside union_keys`,
          v.key_ids.length - ids.length,
        );
      const date = typeof v.date === "string" ? v.date.slice(0, 10) : "";
      out.push({
        library: `${m[1]}/${m[2].toLowerCase()}`,
        date,
        commit: v.commit,
        label: `${date} ${v.commit.slice(0, 7)}${typeof v.subject === "string" ? ` "${v.subject.slice(0, 60)}"` : ""}`,
        keys: ids.map((k) => union[k] as string),
      });
    }
  }
  return out;
}

const FAILURE =
  /\bfail(?:ed|ure|s)?\b|unsuccessful|not (?:been )?successfully|was not (?:completed|executed|achieved)|could not be (?:completed|achieved)/i;
const SUCCESS = /\bsuccess(?:ful|fully)?\b|completed successfully/i;

export function summaryOutcome(text: string): Outcome {
  const head = text.slice(0, 300);
  return FAILURE.test(head) ? "failure" : SUCCESS.test(head) ? "success" : "unknown";
}

function parseKey(key: string): Record<string, string> {
  const m = /^Task:\s*([\s\S]*?)\n\s*\nSubtask:\s*(.*)(?:\nSubtask Instruction:\s*([\s\S]*))?$/.exec(key);
  return m
    ? { task: m[1].trim(), subtask: m[2].trim(), ...(m[3] ? { instruction: m[3].trim() } : {}) }
    : { task: key.trim() };
}

function assemble(
  library: string,
  files: MemoryFile[],
  history: HistoryPoint[],
  parts: ImportParts,
  ctx: ImportContext,
): void {
  const kind = files[0]?.kind ?? (library.endsWith("narrative") ? "narrative" : "episodic");
  const points = [
    ...history
      .filter((h) => !files.some((f) => f.commit !== null && h.commit.startsWith(f.commit)))
      .map((h) => ({ date: h.date, label: h.label, keys: h.keys, file: null as MemoryFile | null })),
    ...files.map((f) => ({ date: f.date, label: f.label, keys: [...f.entries.keys()], file: f as MemoryFile | null })),
  ]
    .map((p) => ({ ...p, has: new Set(p.keys) }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const versions = distinctVersions(files.flatMap((f) => [...f.entries]));
  const textAt = (p: (typeof points)[number], key: string): string | undefined => {
    if (p.file) return p.file.entries.get(key);
    const earlier =
      files.filter((f) => f.date <= p.date && f.entries.has(key)).at(-1) ?? files.find((f) => f.entries.has(key));
    return earlier?.entries.get(key);
  };
  const finalPoint = points.at(-1)!;
  const finalText = new Map(finalPoint.keys.map((k) => [k, textAt(finalPoint, k)]));
  const idOf = (key: string, text: string): string =>
    versionId(`${library}/${shortHash(key)}`, versions.get(key)!.indexOf(text), finalText.get(key) === text);
  const hasHistory = points.length > 1;
  const missing = new Set<string>();
  points.forEach((p, index) => {
    const ids: string[] = [];
    for (const k of p.keys) {
      const t = textAt(p, k);
      if (t === undefined) missing.add(k);
      else ids.push(idOf(k, t));
    }
    parts.snapshots.push({
      library,
      index,
      label: p.label,
      taskIndex: null,
      reconstructed: false,
      itemIds: ids,
      missingItems: p.keys.length - ids.length,
    });
  });
  if (missing.size)
    ctx.skipped.add(
      "no-content-in-history",
      `${library}: ${missing.size} keys named by the history index but stored in no memory file`,
      missing.size,
    );
  for (const [key, texts] of versions) {
    const firstSeen = points.find((p) => p.has.has(key))?.label ?? null;
    texts.forEach((text, v) => {
      const id = idOf(key, text);
      const isFinal = finalText.get(key) === text;
      const outcome = kind === "narrative" ? summaryOutcome(text) : null;
      parts.items.push({
        id,
        library,
        kind: "context",
        content: text,
        author: "agent-s",
        tags: [kind, ...(outcome && outcome !== "unknown" ? [`outcome:${outcome}`] : [])],
        stats: { rewrites: v, compressions: 0 },
        meta: { key, ...parseKey(key), version: v + 1, firstSeen },
        final: isFinal,
      });
      parts.labels.push({
        id,
        library,
        inFinal: isFinal,
        rewrittenLater: hasHistory ? v < texts.length - 1 : null,
        removedLater: hasHistory ? !finalText.has(key) : null,
        uplift: null,
        harmful: null,
        helpful: null,
        deadWeight: null,
        neverUsed: null,
        evidence: { snapshotsPresent: points.filter((p) => p.has.has(key)).length, snapshots: points.length },
      });
    });
  }
  if (kind === "narrative") {
    let t = 0;
    for (const [key, text] of finalText) {
      if (text === undefined) continue;
      const outcome = summaryOutcome(text);
      parts.events.push({
        library,
        taskIndex: t++,
        task: key.slice(0, 200),
        outcome,
        outcomeBasis: "wording of the narrative summary",
        itemIds: null,
        detail: { itemId: idOf(key, text) },
      });
    }
  }
}

export function importAgentS(path: string, ctx: ImportContext): ImportParts {
  const files = sourceFiles(path);
  const memories: MemoryFile[] = [];
  const history: HistoryPoint[] = [];
  for (const f of files) {
    const name = basename(f);
    if (!/\.json$/i.test(name)) ctx.skipped.add("unrecognised-file", ctx.rel(f));
    else if (/history/i.test(name)) pushAll(history, readHistory(f, ctx));
    else {
      const m = readMemory(f, ctx);
      if (m) memories.push(m);
    }
  }
  if (files.length === 0)
    throw new CuratorError(
      "INVALID_FILE",
      `No Agent-S memory files under '${path}': expected *_episodic_memory*.json or *_narrative_memory*.json (task key → text).`,
    );
  const parts = emptyParts([
    "One library per OS and memory kind; items are memory entries (kind context, content = the stored text, meta.key = the task/subtask key). Ids are <library>/<sha1(key)[:10]>.",
    "Snapshots follow the commit history; text exists only at commits with a memory file, so other commits list the known items and count the rest as missingItems.",
    "Agent-S logs no retrievals or per-task outcomes: stats hold only rewrites. Events are the narrative summaries, their outcome read from the summary's wording (e.g. 'Task Failure Summary').",
  ]);
  const libs = [...new Set([...memories.map((m) => m.library), ...history.map((h) => h.library)])].sort();
  for (const lib of libs) {
    const own = memories
      .filter((m) => m.library === lib)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.label < b.label ? -1 : 1));
    if (own.length === 0) {
      ctx.skipped.add("no-content-in-history", `${lib}: history index only, no memory file`);
      continue;
    }
    assemble(
      lib,
      own,
      history.filter((h) => h.library === lib),
      parts,
      ctx,
    );
  }
  return parts;
}
