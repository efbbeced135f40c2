/**
 * A decide output folder: a library with a history. It holds `library.jsonl` (live items), `archive.jsonl`
 * (retired items, whole), `audit.jsonl` + `audit.head.json` (the hash-chained history that proves both),
 * `governance.json` (the rules every pass over the folder applies, when it has any) and FOLDER_MARKER, which
 * says the folder was written by `curator decide` and in which format. Every file is read and written line by
 * line, and all of them are replaced together (writeFolder: the one place a folder is written).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CuratorError } from "../errors.js";
import { writeDirAtomic } from "../util/atomic.js";
import { OUTPUT_MARKER } from "../util/output-folder.js";
import { TOOLKIT_VERSION } from "../version.js";
import { GovernanceSchema } from "../schemas/world.js";
import {
  AUDIT_FILE,
  AUDIT_FORMAT,
  AUDIT_HEAD_FILE,
  canonicalJson,
  readHeadFile,
  verifyAuditFile,
  type AuditEntry,
  type AuditHead,
} from "../governance/audit.js";
import { forEachLine, LineWriter } from "../util/lines.js";
import {
  forEachArchiveEntry,
  GOVERNANCE_FILE,
  LiveItemSchema,
  readJsonlFile,
  type ArchiveEntry,
  type LiveItem,
} from "./io.js";
import { contentHash, History, StateCheck } from "./history.js";

export const LIBRARY_FILE = "library.jsonl";
export const ARCHIVE_FILE = "archive.jsonl";
export const FOLDER_MARKER = "curator-folder.json";
/** The only files a decide output folder may hold; anything else is refused rather than overwritten. */
export const OUTPUT_FILES = [
  LIBRARY_FILE,
  ARCHIVE_FILE,
  AUDIT_FILE,
  AUDIT_HEAD_FILE,
  GOVERNANCE_FILE,
  FOLDER_MARKER,
] as const;

export type FolderKind = "absent" | "empty" | "decide" | "legacy" | "foreign";

/**
 * The real path of a folder argument: a symlink is followed (its target is read and replaced, the link stays);
 * a dangling link or a link to a file is refused.
 */
export function resolveFolder(path: string, flag: string): string {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return resolve(path);
  }
  if (!st.isSymbolicLink()) return realpathSync(path);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${flag} '${path}' is a symbolic link to a path that does not exist. Point it at a folder, or choose another ${flag}.`,
    );
  }
  if (!statSync(real).isDirectory())
    throw new CuratorError("OUTPUT_EXISTS", `${flag} '${path}' links to '${real}', which is a file, not a folder.`);
  return real;
}

/** What a path holds, as far as decide is concerned. Throws for a file. */
export function classifyFolder(dir: string): { kind: FolderKind; foreign: string[] } {
  if (!existsSync(dir)) return { kind: "absent", foreign: [] };
  if (!statSync(dir).isDirectory())
    throw new CuratorError("OUTPUT_EXISTS", `'${dir}' is a file, not a folder. Choose a folder path.`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return { kind: "empty", foreign: [] };
  const foreign = entries.filter((f) => !(OUTPUT_FILES as readonly string[]).includes(f) && f !== OUTPUT_MARKER);
  if (foreign.length > 0) return { kind: "foreign", foreign };
  if (entries.includes(FOLDER_MARKER)) return { kind: "decide", foreign };
  if (entries.includes(AUDIT_FILE) || entries.includes(AUDIT_HEAD_FILE)) return { kind: "legacy", foreign };
  return { kind: "foreign", foreign: entries };
}

/** Refuses an --out that is neither absent, empty nor a decide output of the current format. */
export function checkOutputFolder(dir: string): FolderKind {
  const { kind, foreign } = classifyFolder(dir);
  if (kind === "foreign")
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `--out '${dir}' holds files that are not a curator decide output (${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", …" : ""}; no ${FOLDER_MARKER}); they would be replaced. ` +
        `To curate a library kept there, pass it as the input (--library '${dir}') and choose a new or empty folder as --out. Nothing was changed.`,
    );
  if (kind === "legacy") throw legacyError(dir);
  if (kind === "decide") readMarker(dir);
  return kind;
}

function legacyError(dir: string): CuratorError {
  return new CuratorError(
    "VERSION_MISMATCH",
    `'${dir}' was written by an earlier curator (folder and audit format 1: no ${FOLDER_MARKER}, audit lines without item hashes). ` +
      `A format 1 log cannot prove which items the folder must hold, so this curator neither extends nor verifies it. ` +
      `Keep '${dir}' as the record of its history and start a new folder from its live items: curator decide --library '${dir}' --out NEW_FOLDER.`,
  );
}

function readMarker(dir: string): void {
  let format: unknown;
  try {
    format = JSON.parse(readFileSync(join(dir, FOLDER_MARKER), "utf8")).format;
  } catch {
    throw new CuratorError(
      "TAMPERED",
      `${join(dir, FOLDER_MARKER)} is not valid JSON; the folder cannot be trusted. Restore it from a backup.`,
    );
  }
  if (format !== AUDIT_FORMAT)
    throw new CuratorError(
      "VERSION_MISMATCH",
      `'${dir}' is a decide folder of format ${JSON.stringify(format)}; this curator reads format ${AUDIT_FORMAT}. Use the curator version that wrote it.`,
    );
}

export interface FolderState {
  dir: string;
  history: History;
  head: AuditHead;
}

/** Failure of a folder check, with the first line or file it concerns. */
export class FolderProblem {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {}
  toError(): CuratorError {
    const what =
      this.problems.length === 1
        ? `Audit check failed at ${this.where}: ${this.problems[0]}.`
        : `Audit check of '${this.where}' failed:\n  ${this.problems.join("\n  ")}\n`;
    return new CuratorError(
      "TAMPERED",
      `${what} The folder does not match its history; restore it from a backup. Nothing was changed.`,
    );
  }
}

/** Replays a decide folder's log (the chain must verify against audit.head.json). */
export function readHistory(dir: string): FolderState | FolderProblem {
  const log = join(dir, AUDIT_FILE);
  if (!existsSync(log)) return new FolderProblem(dir, [`${AUDIT_FILE} is missing (the folder's history is gone)`]);
  const head = readHeadFile(join(dir, AUDIT_HEAD_FILE));
  if (typeof head === "string") return new FolderProblem(dir, [head]);
  const history = new History();
  const r = verifyAuditFile(log, head, (e) => history.apply(e));
  if (!r.ok) return new FolderProblem(`${log} line ${r.line}`, [r.problem]);
  if (r.version !== AUDIT_FORMAT) return new FolderProblem(dir, [`${AUDIT_FILE} is format ${r.version}`]);
  return { dir, history, head: r.head };
}

/** Checks archive.jsonl (and, unless the caller reads them as its input, the live items) against the history. */
export function checkFolderFiles(s: FolderState, opts: { live: boolean; governance: boolean }): string[] {
  const files = { live: join(s.dir, LIBRARY_FILE), archive: join(s.dir, ARCHIVE_FILE) };
  const check = new StateCheck(s.history, files);
  forEachArchiveEntry(files.archive, (e, line) => check.archiveEntry(e.item.id, contentHash(e.item), e.auditSeq, line));
  if (opts.live) {
    if (existsSync(files.live))
      readJsonlFile(files.live, LiveItemSchema, (r) => check.liveItem(r.raw.id, contentHash(r.raw), r.line));
    else check.problems.push(`${files.live} is missing`);
  }
  check.missing({ live: opts.live, archive: true });
  const problems = check.problems;
  if (opts.governance) {
    const g = governanceProblem(s);
    if (g) problems.push(g);
  }
  return problems;
}

function governanceProblem(s: FolderState): string | null {
  const pass = s.history.lastPass;
  if (!pass) return null;
  const path = join(s.dir, GOVERNANCE_FILE);
  if (!pass.governanceFile)
    return existsSync(path)
      ? `${path} was added after the last pass (audit line ${pass.seq} applied no governance file)`
      : null;
  if (!existsSync(path)) return `${path} is missing; the last pass (audit line ${pass.seq}) applied it`;
  const parsed = GovernanceSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success || canonicalJson(parsed.data) !== canonicalJson(pass.governance))
    return `${path} differs from the rules the last pass applied (audit line ${pass.seq}): edited since`;
  return null;
}

/** Reads a decide folder for appending: history verified, archive matching it, or a TAMPERED error. */
export function openFolder(dir: string, opts: { checkLive: boolean }): FolderState {
  const s = readHistory(dir);
  if (s instanceof FolderProblem) throw s.toError();
  const problems = checkFolderFiles(s, { live: opts.checkLive, governance: false });
  if (problems.length > 0) throw new FolderProblem(dir, problems).toError();
  return s;
}

export interface FolderWrite {
  /** The live items, or a copy of an existing live file with items appended (restore). */
  live: readonly LiveItem[] | { copyFrom: string; append: readonly LiveItem[] };
  archive: { copyFrom: string | null; dropLine?: number; append: readonly ArchiveEntry[] };
  /** The log's text after `copyFrom`, as chainRecords made it (blocks of newline-terminated lines). */
  audit: { copyFrom: string | null; append: readonly string[] };
  head: AuditHead;
  /** governance.json text to place in the folder, or null for none. */
  governance: string | null;
}

/** Replaces the folder's files together: a crash leaves the old folder or the new one, never a mix. */
export async function writeFolder(dir: string, w: FolderWrite): Promise<void> {
  const live = Array.isArray(w.live)
    ? { copyFrom: null, append: w.live as readonly LiveItem[] }
    : (w.live as { copyFrom: string; append: readonly LiveItem[] });
  await streamFolder(dir, {
    copy: {
      live: live.copyFrom,
      archive: w.archive.copyFrom,
      archiveDropLine: w.archive.dropLine,
      audit: w.audit.copyFrom,
    },
    append: (to) => {
      for (const item of live.append) to.live.writeJson(item);
      for (const entry of w.archive.append) to.archive.writeJson(entry);
      for (const block of w.audit.append) to.audit.write(block);
      return w.head;
    },
    governance: w.governance,
  });
}

/** The folder's three line files, open after what each copies from. */
export interface FolderLines {
  live: LineWriter;
  archive: LineWriter;
  audit: LineWriter;
}

/** A folder write whose new lines are made while they are written (a decide pass), not held first. */
export interface FolderStream {
  /** Files the new ones start as a copy of (null: start empty); `archiveDropLine` is left out of the copy. */
  copy: { live: string | null; archive: string | null; archiveDropLine?: number; audit: string | null };
  /** Writes the new lines (whole, newline-terminated) and returns the log's head after them. */
  append: (to: FolderLines) => AuditHead;
  /** governance.json text to place in the folder, or null for none. */
  governance: string | null;
}

/** writeFolder, with the new lines written as `s.append` makes them. */
export async function streamFolder(dir: string, s: FolderStream): Promise<void> {
  await writeDirAtomic(dir, { command: "decide", adopt: OUTPUT_FILES }, async (tmp) => {
    const opened: LineWriter[] = [];
    let head: AuditHead;
    try {
      const open = (file: string, from: string | null, dropLine?: number) => {
        const out = openLines(join(tmp, file), from, dropLine);
        opened.push(out);
        return out;
      };
      const to = {
        live: open(LIBRARY_FILE, s.copy.live),
        archive: open(ARCHIVE_FILE, s.copy.archive, s.copy.archiveDropLine),
        audit: open(AUDIT_FILE, s.copy.audit),
      };
      head = s.append(to);
    } finally {
      for (const out of opened) out.close();
    }
    writeFileSync(join(tmp, AUDIT_HEAD_FILE), `${JSON.stringify(head)}\n`);
    if (s.governance !== null) writeFileSync(join(tmp, GOVERNANCE_FILE), s.governance);
    writeFileSync(
      join(tmp, FOLDER_MARKER),
      `${JSON.stringify({ format: AUDIT_FORMAT, writtenBy: "curator decide", toolkit: TOOLKIT_VERSION })}\n`,
    );
  });
}

/** `to` opened for appending whole lines after a copy of `from` (streamed, optionally without one line). */
function openLines(to: string, from: string | null, dropLine: number | undefined): LineWriter {
  const present = from !== null && existsSync(from);
  const copied = present && dropLine === undefined;
  if (copied) copyFileSync(from, to);
  const out = new LineWriter(to, copied ? "a" : "w");
  try {
    if (copied && !endsWithNewline(to)) out.write("\n");
    if (present && dropLine !== undefined)
      forEachLine(from, (text, n) => {
        if (n !== dropLine && text !== "") out.write(`${text}\n`);
      });
    return out;
  } catch (e) {
    out.close();
    throw e;
  }
}

function endsWithNewline(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return true;
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs `fn` holding `DIR.lock` (a folder beside DIR, created exclusively), so two processes never interleave
 * read-append-write on the same audit chain. A crash can leave the lock behind; the error says how to clear it.
 */
export async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${resolve(dir)}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  try {
    mkdirSync(lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `Another curator process is writing '${dir}' (lock '${lock}'). Wait for it to finish; if none is running, remove '${lock}' and retry. Nothing was changed.`,
    );
  }
  try {
    return await fn();
  } finally {
    // the lock is an empty folder this call made: removed only while empty (never anything put inside it)
    rmdirSync(lock);
  }
}
