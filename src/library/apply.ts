/**
 * Applies a curation pass to a library folder: live items stay in `library.jsonl` (compress / rewrite
 * decisions leave a `pending` marker for the harness), retired items move whole into `archive.jsonl`, and
 * every decision appends one hash-chained line to `audit.jsonl`. Nothing is lost: live + archive = input.
 * A folder that already holds a previous output is extended: the archive accumulates and the audit chain
 * continues. All files of the folder are replaced together (all or nothing).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Action } from "../actions.js";
import { CuratorError } from "../errors.js";
import { writeDirAtomic } from "../util/atomic.js";
import { OUTPUT_MARKER } from "../util/output-folder.js";
import type { Decision } from "../runtime/decide.js";
import {
  AUDIT_FILE, AUDIT_HEAD_FILE, auditHeadForAppend, auditLine, chainRecords,
  type AuditEntry, type AuditHead, type AuditRecord,
} from "../governance/audit.js";
import { countActions } from "./review.js";
import { GOVERNANCE_FILE, readArchiveFile, readLibraryFile, toJsonl, type ArchiveEntry, type LiveItem } from "./io.js";

export const LIBRARY_FILE = "library.jsonl";
export const ARCHIVE_FILE = "archive.jsonl";
/** The only files a decide output folder may hold; anything else is refused rather than overwritten. */
export const OUTPUT_FILES = [LIBRARY_FILE, ARCHIVE_FILE, AUDIT_FILE, AUDIT_HEAD_FILE, GOVERNANCE_FILE] as const;

export interface PassInput {
  items: readonly LiveItem[];
  /** One decision per item, in the same order. */
  decisions: readonly Decision[];
  /** The folder's existing archive and audit head (empty / null for a new folder). */
  archive: readonly ArchiveEntry[];
  head: AuditHead | null;
  curator: string;
  modelHash: string;
  time: string;
}

export interface PassOutput {
  live: LiveItem[];
  archive: ArchiveEntry[];
  audit: AuditEntry[];
  head: AuditHead;
  counts: Record<Action, number>;
}

/** The pure part of a pass: what the folder should hold afterwards. */
export function planPass(p: PassInput): PassOutput {
  if (p.decisions.length !== p.items.length)
    throw new Error(`planPass: ${p.decisions.length} decisions for ${p.items.length} items`);
  const archived = new Set(p.archive.map((e) => e.item.id));
  const clash = p.items.filter((it) => archived.has(it.id)).map((it) => it.id);
  if (clash.length > 0)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${clash.length} input item(s) are already in the output folder's ${ARCHIVE_FILE}: ${clash.slice(0, 5).join(", ")}${clash.length > 5 ? ", …" : ""}. Run decide on the folder's own ${LIBRARY_FILE}, restore those items first, or choose a new --out. Nothing was changed.`,
    );
  const records: AuditRecord[] = p.decisions.map((d, r) => {
    if (d.id !== p.items[r].id) throw new Error(`planPass: decision ${r} is for '${d.id}', item is '${p.items[r].id}'`);
    return { time: p.time, itemId: d.id, action: d.action, probs: d.probs, allowed: d.allowed, reason: d.reason, modelHash: p.modelHash, curator: p.curator };
  });
  const { entries, head } = chainRecords(p.head, records);
  const live: LiveItem[] = [];
  const archive = [...p.archive];
  p.items.forEach((item, r) => {
    const d = p.decisions[r];
    if (d.action === "keep") live.push(item);
    else if (d.action === "retire")
      archive.push({ item, retiredAt: p.time, auditSeq: entries[r].seq, reason: d.reason, curator: p.curator, modelHash: p.modelHash });
    else live.push({ ...item, pending: d.action });
  });
  return { live, archive, audit: entries, head, counts: countActions(p.decisions) };
}

/** Refuses an --out that exists and holds anything besides a previous decide output. */
export function checkOutputFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CuratorError("OUTPUT_EXISTS", `--out '${dir}' is a file, not a folder. Choose a folder path.`);
  const foreign = readdirSync(dir).filter((f) => !(OUTPUT_FILES as readonly string[]).includes(f) && f !== OUTPUT_MARKER);
  if (foreign.length > 0)
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `--out '${dir}' holds files that are not a decide output (${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", …" : ""}); they would be replaced. Choose an empty folder or a previous decide output. Nothing was changed.`,
    );
}

export interface FolderState {
  archive: ArchiveEntry[];
  head: AuditHead | null;
  auditText: string;
}

/** Reads what a (possibly absent) output folder already holds, verifying the audit chain first. */
export function readFolderState(dir: string): FolderState {
  checkOutputFolder(dir);
  const head = auditHeadForAppend(dir);
  const auditPath = join(dir, AUDIT_FILE);
  return {
    archive: readArchiveFile(join(dir, ARCHIVE_FILE)),
    head,
    auditText: existsSync(auditPath) ? readFileSync(auditPath, "utf8") : "",
  };
}

export interface FolderWrite {
  live: readonly LiveItem[];
  archive: readonly ArchiveEntry[];
  auditText: string;
  newAudit: readonly AuditEntry[];
  head: AuditHead;
  /** governance.json text to place in the folder, or null for none. */
  governance: string | null;
}

/** Replaces the folder's files together: a crash leaves the old folder or the new one, never a mix. */
export async function writeFolder(dir: string, w: FolderWrite): Promise<void> {
  await writeDirAtomic(dir, { command: "decide", adopt: OUTPUT_FILES }, async (tmp) => {
    writeFileSync(join(tmp, LIBRARY_FILE), toJsonl(w.live));
    writeFileSync(join(tmp, ARCHIVE_FILE), toJsonl(w.archive));
    writeFileSync(join(tmp, AUDIT_FILE), w.auditText + w.newAudit.map(auditLine).join(""));
    writeFileSync(join(tmp, AUDIT_HEAD_FILE), `${JSON.stringify(w.head)}\n`);
    if (w.governance !== null) writeFileSync(join(tmp, GOVERNANCE_FILE), w.governance);
  });
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
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ApplyOptions {
  out: string;
  curator: string;
  modelHash: string;
  /** governance.json the rules came from (copied into the folder), or null. */
  governanceSource: string | null;
  clock?: () => Date;
}

export interface ApplySummary {
  out: string;
  counts: Record<Action, number>;
  live: number;
  archived: number;
  auditLines: number;
}

/** Writes one decide pass into `out`. */
export async function applyPass(items: readonly LiveItem[], decisions: readonly Decision[], o: ApplyOptions): Promise<ApplySummary> {
  checkOutputFolder(o.out);
  return withFolderLock(o.out, () => applyPassLocked(items, decisions, o));
}

async function applyPassLocked(items: readonly LiveItem[], decisions: readonly Decision[], o: ApplyOptions): Promise<ApplySummary> {
  const state = readFolderState(o.out);
  const plan = planPass({
    items, decisions, archive: state.archive, head: state.head,
    curator: o.curator, modelHash: o.modelHash, time: (o.clock ?? (() => new Date()))().toISOString(),
  });
  await writeFolder(o.out, {
    live: plan.live, archive: plan.archive, auditText: state.auditText, newAudit: plan.audit, head: plan.head,
    governance: governanceText(o.governanceSource, o.out),
  });
  return { out: o.out, counts: plan.counts, live: plan.live.length, archived: plan.archive.length, auditLines: plan.head.lines };
}

/** The input library's rules travel with it; without them, rules already in the folder stay. */
function governanceText(source: string | null, out: string): string | null {
  if (source) return readFileSync(source, "utf8");
  const existing = join(out, GOVERNANCE_FILE);
  return existsSync(existing) ? readFileSync(existing, "utf8") : null;
}

/** Moves an archived item back into the live library and records it in the audit log. */
export async function restoreItem(dir: string, itemId: string, clock: () => Date = () => new Date()): Promise<{ item: LiveItem; auditLines: number }> {
  if (!existsSync(dir)) throw new CuratorError("FILE_NOT_FOUND", `'${dir}' does not exist. Point --from at the folder 'curator decide --out' wrote.`);
  return withFolderLock(dir, () => restoreLocked(dir, itemId, clock));
}

async function restoreLocked(dir: string, itemId: string, clock: () => Date): Promise<{ item: LiveItem; auditLines: number }> {
  const libPath = join(dir, LIBRARY_FILE);
  if (!existsSync(libPath) || !existsSync(join(dir, ARCHIVE_FILE)))
    throw new CuratorError("FILE_NOT_FOUND", `'${resolve(dir)}' is not a decide output folder (needs ${LIBRARY_FILE} and ${ARCHIVE_FILE}). Point --from at the folder 'curator decide --out' wrote.`);
  const state = readFolderState(dir);
  const live = readLibraryFile(libPath);
  const at = state.archive.findIndex((e) => e.item.id === itemId);
  if (at < 0) {
    const ids = state.archive.map((e) => e.item.id);
    const list = ids.length === 0 ? "the archive is empty" : `archived ids: ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? `, … (${ids.length} in all)` : ""}`;
    throw new CuratorError("BAD_ARGUMENT", `No item '${itemId}' in ${join(dir, ARCHIVE_FILE)} (${list}). Nothing was changed.`);
  }
  if (live.some((it) => it.id === itemId))
    throw new CuratorError("BAD_ARGUMENT", `Item '${itemId}' is already in ${libPath}; restoring it would duplicate the id. Nothing was changed.`);
  const entry = state.archive[at];
  const { entries, head } = chainRecords(state.head, [
    {
      time: clock().toISOString(), itemId, action: "restore", probs: null, allowed: null,
      reason: `restored by user (retired at audit seq ${entry.auditSeq}: ${entry.reason})`, modelHash: null, curator: "user",
    },
  ]);
  await writeFolder(dir, {
    live: [...live, entry.item],
    archive: state.archive.filter((_, i) => i !== at),
    auditText: state.auditText,
    newAudit: entries,
    head,
    governance: governanceText(null, dir),
  });
  return { item: entry.item, auditLines: head.lines };
}
