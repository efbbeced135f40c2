/**
 * Voyager skill libraries. PATH is a checkpoint folder, a folder of checkpoints (each its own library), or a
 * history folder whose sub-folders are checkpoints named by commit hash (one library, one snapshot each).
 *
 * Items are skills (kind "skill", content = code). Every version Voyager wrote (`Name.js`, `NameV2.js`, …) is
 * an item version; the live library is `skills.json`. Attempts in `events.jsonl` become task events.
 */
import { basename, dirname, join } from "node:path";
import { readdirSync } from "node:fs";
import { CuratorError } from "../errors.js";
import { isDir, isFile, type ImportContext } from "./context.js";
import { isCheckpoint, readCheckpoint, type Attempt, type Checkpoint } from "./voyager-read.js";
import {
  emptyParts,
  versionId,
  type ImportParts,
  type Outcome,
  type ReplayLabel,
  type Snapshot,
  type TaskEvent,
} from "./types.js";
import { maxOf, pushAll } from "../util/arrays.js";

const COMMIT = /^[0-9a-f]{7,40}$/;
/** Voyager's default `action_agent_task_max_retries`: an episode this long may have ended in failure. */
const MAX_RETRIES = 4;

interface LibraryDirs {
  name: string;
  dirs: string[];
  history: boolean;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .filter((n) => !n.startsWith("."))
      .map((n) => join(dir, n))
      .filter(isDir);
  } catch {
    return [];
  }
}

function discover(root: string, ctx: ImportContext): LibraryDirs[] {
  if (isFile(root)) {
    const skillDir = dirname(root);
    return basename(skillDir) === "skill" && isCheckpoint(dirname(skillDir))
      ? [{ name: basename(dirname(skillDir)), dirs: [dirname(skillDir)], history: false }]
      : [];
  }
  if (isCheckpoint(root)) return [{ name: basename(root), dirs: [root], history: false }];
  const found: LibraryDirs[] = [];
  const visit = (dir: string, depth: number): void => {
    const subs = subdirs(dir);
    const ckpts = subs.filter(isCheckpoint);
    if (ckpts.length >= 2 && ckpts.length === subs.length && ckpts.every((d) => COMMIT.test(basename(d)))) {
      found.push({ name: ctx.rel(dir), dirs: ckpts, history: true });
      return;
    }
    for (const s of subs) {
      if (isCheckpoint(s)) found.push({ name: ctx.rel(s), dirs: [s], history: false });
      else if (depth < 6) visit(s, depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

const norm = (s: string): string => s.replace(/\s+/g, " ").trim();
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Version {
  content: string;
  description?: string;
  fileVersion: number;
}

/** The live code per skill name at one checkpoint, plus every version met so far per name. */
function collectVersions(
  ckpts: Checkpoint[],
  lineage: Map<string, Version[]>,
  ctx: ImportContext,
): Map<string, string>[] {
  return ckpts.map((ck) => {
    const names = [...(ck.live?.keys() ?? []), ...[...ck.versions.keys()].filter((n) => !ck.live?.has(n))];
    const state = new Map<string, string>();
    for (const name of names) {
      const seq: Version[] = (ck.versions.get(name) ?? []).map((v) => ({
        content: v.code,
        description: v.description,
        fileVersion: v.version,
      }));
      const live = ck.live?.get(name);
      if (live) {
        const top = seq.at(-1);
        if (top && norm(top.content) !== norm(live.code)) {
          ctx.repaired.add(
            "file-mismatch",
            `${ctx.rel(ck.dir)}: ${name}: skills.json differs from V${top.fileVersion}; skills.json kept`,
          );
        }
        const v = {
          content: live.code,
          description: live.description ?? top?.description,
          fileVersion: top?.fileVersion ?? 1,
        };
        if (top) seq[seq.length - 1] = v;
        else seq.push(v);
      }
      const known = lineage.get(name) ?? [];
      for (const v of seq) if (!known.some((k) => norm(k.content) === norm(v.content))) known.push(v);
      lineage.set(name, known);
      if (ck.live === null || live) state.set(name, norm(seq.at(-1)!.content));
    }
    return state;
  });
}

function attemptEvents(library: string, ckpts: Checkpoint[]): TaskEvent[] {
  const seen = new Set<string>();
  const all: { a: Attempt; ck: Checkpoint }[] = [];
  for (const ck of ckpts) {
    for (const a of ck.attempts) {
      if (seen.has(a.file)) continue;
      seen.add(a.file);
      all.push({ a, ck });
    }
  }
  if (all.every(({ a }) => a.timestamp !== null))
    all.sort((x, y) => (x.a.timestamp! < y.a.timestamp! ? -1 : x.a.timestamp! > y.a.timestamp! ? 1 : 0));
  const events: TaskEvent[] = [];
  let episode = -1;
  for (let i = 0; i < all.length; i++) {
    const { a, ck } = all[i];
    let start = i;
    while (start > 0 && all[start - 1].a.task === a.task) start--;
    let end = i;
    while (end < all.length - 1 && all[end + 1].a.task === a.task) end++;
    if (start === i) episode++;
    const last = end === i;
    let outcome: Outcome;
    let basis: string;
    if (!last) [outcome, basis] = ["failure", "a retry of the same task followed"];
    else if (ck.failed?.includes(a.task)) [outcome, basis] = ["failure", "last attempt; task in failed_tasks"];
    else if (ck.completed?.includes(a.task)) {
      if (a.error === null) [outcome, basis] = ["success", "last attempt; task in completed_tasks"];
      else if (end - start + 1 >= MAX_RETRIES) [outcome, basis] = ["failure", "last of max retries and it errored"];
      else [outcome, basis] = ["unknown", "last attempt errored but task in completed_tasks"];
    } else if (a.error !== null) [outcome, basis] = ["failure", "attempt raised an error"];
    else [outcome, basis] = ["unknown", "no curriculum record of the task"];
    events.push({
      library,
      taskIndex: i,
      task: a.task,
      outcome,
      outcomeBasis: basis,
      itemIds: null,
      detail: {
        file: a.file,
        timestamp: a.timestamp,
        episode,
        attempt: i - start + 1,
        checkpoint: basename(ck.dir),
        error: a.error,
        chats: a.chats,
        eventsStored: a.events !== null,
      },
    });
  }
  return events;
}

function assemble(lib: LibraryDirs, ckpts: Checkpoint[], ctx: ImportContext, parts: ImportParts): void {
  const lineage = new Map<string, Version[]>();
  const states = collectVersions(ckpts, lineage, ctx);
  const finalState = states.at(-1)!;
  const idOf = (name: string, idx: number): string =>
    versionId(`${lib.name}/${name}`, idx, finalState.get(name) === norm(lineage.get(name)![idx].content));
  const idByContent = (name: string, content: string): string =>
    idOf(
      name,
      lineage.get(name)!.findIndex((v) => norm(v.content) === content),
    );
  const names = [...lineage.keys()];
  const callers = new Map<string, string[]>();
  for (const name of names) {
    const re = new RegExp(`(?<!function\\s+)(?<![\\w.$])${escapeRe(name)}\\s*\\(`);
    callers.set(
      name,
      names.filter((o) => o !== name && lineage.get(o)!.some((v) => re.test(v.content))),
    );
  }
  const author = basename(lib.name);
  const savedFiles = (name: string): number =>
    maxOf(
      ckpts.map((c) => c.versions.get(name)?.length ?? 0),
      0,
    );
  names.forEach((name, rank) => {
    const versions = lineage.get(name)!;
    versions.forEach((v, idx) => {
      const id = idOf(name, idx);
      const isFinal = id === `${lib.name}/${name}`;
      const present = states.map((s) => s.get(name) === norm(v.content));
      parts.items.push({
        id,
        library: lib.name,
        kind: "skill",
        content: v.content,
        author,
        tags: [`verb:${/^[a-z]+/.exec(name)?.[0] ?? "other"}`],
        stats: { createdAt: rank, rewrites: idx, compressions: 0 },
        meta: {
          skill: name,
          version: idx + 1,
          fileVersion: v.fileVersion,
          ...(v.description ? { description: v.description.trim() } : {}),
          calledBy: callers.get(name),
        },
        final: isFinal,
      });
      const label: ReplayLabel = {
        id,
        library: lib.name,
        inFinal: isFinal,
        rewrittenLater: idx < versions.length - 1,
        removedLater: !finalState.has(name),
        uplift: null,
        harmful: null,
        helpful: null,
        deadWeight: null,
        neverUsed: callers.get(name)!.length === 0,
        evidence: {
          versions: versions.length,
          savedFiles: savedFiles(name),
          calledBy: callers.get(name)!.length,
          inCheckpoints: present.filter(Boolean).length,
          basisNeverUsed: "no other skill's code calls it",
        },
      };
      parts.labels.push(label);
    });
  });
  const snapshots: Snapshot[] = [];
  if (lib.history) {
    states.forEach((s, k) =>
      snapshots.push({
        library: lib.name,
        index: k,
        label: `checkpoint ${basename(ckpts[k].dir)}`,
        taskIndex: ckpts[k].completed?.length ?? null,
        reconstructed: false,
        itemIds: [...s].map(([name, content]) => idByContent(name, content)),
        missingItems: 0,
      }),
    );
  } else {
    const finalNames = [...finalState.keys()];
    if (finalNames.some((n) => lineage.get(n)!.length > 1)) {
      snapshots.push({
        library: lib.name,
        index: 0,
        label: "first version of every live skill",
        taskIndex: null,
        reconstructed: true,
        itemIds: finalNames.map((n) => idOf(n, 0)),
        missingItems: 0,
      });
    }
    snapshots.push({
      library: lib.name,
      index: snapshots.length,
      label: "final",
      taskIndex: ckpts[0].completed?.length ?? null,
      reconstructed: false,
      itemIds: finalNames.map((n) => `${lib.name}/${n}`),
      missingItems: 0,
    });
  }
  pushAll(parts.snapshots, snapshots);
  pushAll(parts.events, attemptEvents(lib.name, ckpts));
}

export function importVoyager(path: string, ctx: ImportContext): ImportParts {
  const libs = discover(path, ctx);
  if (libs.length === 0) {
    throw new CuratorError(
      "INVALID_FILE",
      `No Voyager checkpoint under '${path}': expected a folder holding skill/skills.json, skill/skill_files.json or skill/code/*.js. Pass the checkpoint folder (or a folder of them).`,
    );
  }
  const parts = emptyParts([
    "Items are skills (content = code); ids are <library>/<skill>, superseded versions <library>/<skill>@vN. Identical re-saves (NameV3.js == NameV2.js) are one version; meta.fileVersion is the first file holding the text.",
    "stats.createdAt is the skill's creation rank (Voyager writes at most one skill per completed task); stats.rewrites counts earlier versions. Retrieval counts are not logged by Voyager and are left out.",
    "Event outcomes are inferred: an attempt followed by a retry of the same task failed; the last attempt of a task is judged by curriculum/completed_tasks.json and failed_tasks.json.",
    "neverUsed means no other skill's code calls the skill (Voyager does not log retrievals); harmful is unknown (null).",
    "History folders (sub-folders named by commit hash) are ordered by library size, then completed tasks: the commit order is not stored.",
  ]);
  for (const lib of libs) {
    let ckpts = lib.dirs.map((d) => readCheckpoint(d, ctx));
    if (lib.history) {
      const size = (c: Checkpoint): number => c.live?.size ?? c.versions.size;
      ckpts = ckpts.sort(
        (a, b) =>
          size(a) - size(b) || (a.completed?.length ?? 0) - (b.completed?.length ?? 0) || (a.dir < b.dir ? -1 : 1),
      );
    }
    if (ckpts.every((c) => (c.live?.size ?? 0) === 0 && c.versions.size === 0 && c.attempts.length === 0)) continue;
    assemble(lib, ckpts, ctx, parts);
  }
  return parts;
}
