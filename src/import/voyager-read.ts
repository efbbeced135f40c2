/**
 * Reading one Voyager checkpoint folder, whatever survived of it:
 * `skill/skills.json` (name → {code, description}: the live library), `skill/skill_files.json` or
 * `skill/code/*.js` + `skill/description/*.txt` (every version written, `NameV2.js` being the second),
 * `curriculum/{completed,failed}_tasks.json`, and `events.jsonl` or `events/*` (one record per attempt).
 */
import { join } from "node:path";
import { readdirSync } from "node:fs";
import { isDir, isFile, isRecord, type ImportContext } from "./context.js";

export interface SkillVersion {
  version: number;
  code: string;
  description?: string;
}

export interface Attempt {
  file: string;
  task: string;
  timestamp: string | null;
  /** null when the source kept the attempt's events unparsed */
  events: unknown[] | null;
  error: string | null;
  chats: number;
}

export interface Checkpoint {
  dir: string;
  /** skills.json: the live library in creation order, or null when the file is absent or unusable */
  live: Map<string, { code: string; description?: string }> | null;
  /** every version file found, per skill name, sorted by version */
  versions: Map<string, SkillVersion[]>;
  completed: string[] | null;
  failed: string[] | null;
  attempts: Attempt[];
}

const VERSIONED = /^(.+?)V(\d+)$/;

export function isCheckpoint(dir: string): boolean {
  const s = join(dir, "skill");
  return isFile(join(s, "skills.json")) || isFile(join(s, "skill_files.json")) || isDir(join(s, "code"));
}

function splitVersion(stem: string): { name: string; version: number } {
  const m = VERSIONED.exec(stem);
  return m ? { name: m[1], version: Number(m[2]) } : { name: stem, version: 1 };
}

function readLive(path: string, ctx: ImportContext): Checkpoint["live"] {
  if (!isFile(path)) return null;
  const j = ctx.readJson(path);
  if (j === undefined) return null;
  if (!isRecord(j)) {
    ctx.skipped.add("unexpected-shape", `${ctx.rel(path)}: expected an object of skill name → {code, description}`);
    return null;
  }
  const live = new Map<string, { code: string; description?: string }>();
  for (const [name, v] of Object.entries(j)) {
    const where = `${ctx.rel(path)}: skill '${name.slice(0, 80)}'`;
    if (name.trim() === "") ctx.skipped.add("missing-field", `${ctx.rel(path)}: a skill with an empty name`);
    else if (typeof v === "string") live.set(name, { code: v });
    else if (!isRecord(v)) ctx.skipped.add("unexpected-shape", `${where} is not an object`);
    else if (typeof v.code !== "string") ctx.skipped.add("missing-field", `${where} has no code`);
    else if (v.code.trim() === "") ctx.skipped.add("empty-content", `${where} has empty code`);
    else live.set(name, { code: v.code, ...(typeof v.description === "string" ? { description: v.description } : {}) });
  }
  return live;
}

function readVersionFiles(skillDir: string, ctx: ImportContext): Map<string, SkillVersion[]> {
  const code = new Map<string, string>();
  const desc = new Map<string, string>();
  const packed = join(skillDir, "skill_files.json");
  const collect = (obj: unknown, into: Map<string, string>, ext: string, where: string): void => {
    if (obj === undefined) return;
    if (!isRecord(obj)) return ctx.skipped.add("unexpected-shape", `${where}: expected an object of file name → text`);
    for (const [file, text] of Object.entries(obj)) {
      if (!file.endsWith(ext) || file.length === ext.length)
        ctx.skipped.add("unrecognised-file", `${where}: '${file.slice(0, 80)}'`);
      else if (typeof text !== "string")
        ctx.skipped.add("bad-field-type", `${where}: '${file.slice(0, 80)}' is not text`);
      else into.set(file.slice(0, -ext.length), text);
    }
  };
  if (isFile(packed)) {
    const j = ctx.readJson(packed);
    if (j !== undefined && !isRecord(j))
      ctx.skipped.add("unexpected-shape", `${ctx.rel(packed)}: expected {code, description}`);
    else if (j !== undefined) {
      collect(j.code, code, ".js", `${ctx.rel(packed)} code`);
      collect(j.description, desc, ".txt", `${ctx.rel(packed)} description`);
    }
  }
  for (const [sub, ext, into] of [
    ["code", ".js", code],
    ["description", ".txt", desc],
  ] as const) {
    const d = join(skillDir, sub);
    if (!isDir(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (!f.endsWith(ext)) {
        ctx.skipped.add("unrecognised-file", ctx.rel(join(d, f)));
        continue;
      }
      const text = ctx.readText(join(d, f));
      if (text !== null) into.set(f.slice(0, -ext.length), text);
    }
  }
  const versions = new Map<string, SkillVersion[]>();
  for (const [stem, text] of code) {
    if (text.trim() === "") {
      ctx.skipped.add("empty-content", `${ctx.rel(skillDir)}: ${stem}.js is empty`);
      continue;
    }
    const { name, version } = splitVersion(stem);
    const d = desc.get(stem);
    const list = versions.get(name) ?? [];
    list.push({ version, code: text, ...(d !== undefined ? { description: d } : {}) });
    versions.set(name, list);
  }
  for (const list of versions.values()) list.sort((a, b) => a.version - b.version);
  return versions;
}

function readTaskList(path: string, ctx: ImportContext): string[] | null {
  if (!isFile(path)) return null;
  const j = ctx.readJson(path);
  if (j === undefined) return null;
  if (!Array.isArray(j)) {
    ctx.skipped.add("unexpected-shape", `${ctx.rel(path)}: expected a list of task names`);
    return null;
  }
  const bad = j.filter((t) => typeof t !== "string").length;
  if (bad) ctx.skipped.add("bad-field-type", `${ctx.rel(path)}: ${bad} entries are not task names`, bad);
  return j.filter((t): t is string => typeof t === "string");
}

function toAttempt(file: string, task: string, timestamp: string | null, events: unknown): Attempt {
  const list = Array.isArray(events) ? events : null;
  let error: string | null = null;
  let chats = 0;
  for (const e of list ?? []) {
    if (!Array.isArray(e) || typeof e[0] !== "string") continue;
    if (e[0] === "onChat") chats++;
    if (e[0] === "onError" && error === null) {
      const p = e[1];
      const msg = isRecord(p) && typeof p.onError === "string" ? p.onError : "error";
      error = msg.replace(/\s+/g, " ").trim().slice(0, 200);
    }
  }
  return { file, task, timestamp, events: list, error, chats };
}

const STAMP = /_(\d{8}_\d{6})$/;

function readAttempts(dir: string, ctx: ImportContext): Attempt[] {
  const out: Attempt[] = [];
  const packed = join(dir, "events.jsonl");
  if (isFile(packed)) {
    for (const { line, value } of ctx.readJsonl(packed)) {
      const where = `${ctx.rel(packed)}:${line}`;
      if (!isRecord(value)) ctx.skipped.add("unexpected-shape", `${where}: not an attempt record`);
      else if (typeof value.task !== "string" || value.task.trim() === "")
        ctx.skipped.add("missing-field", `${where}: no task`);
      else {
        const ts = typeof value.timestamp === "string" ? value.timestamp : null;
        const file = typeof value.file === "string" ? value.file : `${value.task}_${ts ?? line}`;
        out.push(toAttempt(file, value.task, ts, value.events));
      }
    }
  }
  const folder = join(dir, "events");
  if (isDir(folder)) {
    for (const f of readdirSync(folder).sort()) {
      const m = STAMP.exec(f);
      const j = ctx.readJson(join(folder, f));
      if (j === undefined) continue;
      out.push(toAttempt(f, (m ? f.slice(0, m.index) : f).replace(/_/g, " "), m ? m[1] : null, j));
    }
  }
  // attempts in time order when every one has a timestamp; otherwise as stored
  if (out.every((a) => a.timestamp !== null))
    out.sort((a, b) => (a.timestamp! < b.timestamp! ? -1 : a.timestamp! > b.timestamp! ? 1 : 0));
  return out;
}

export function readCheckpoint(dir: string, ctx: ImportContext): Checkpoint {
  const skillDir = join(dir, "skill");
  return {
    dir,
    live: readLive(join(skillDir, "skills.json"), ctx),
    versions: readVersionFiles(skillDir, ctx),
    completed: readTaskList(join(dir, "curriculum", "completed_tasks.json"), ctx),
    failed: readTaskList(join(dir, "curriculum", "failed_tasks.json"), ctx),
    attempts: readAttempts(dir, ctx),
  };
}
