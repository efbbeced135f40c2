/**
 * Applies a curation pass to a library folder: live items stay in `library.jsonl` (compress / rewrite
 * decisions leave a `pending` marker for the harness), retired items move whole into `archive.jsonl`, and
 * every decision appends one hash-chained line to `audit.jsonl` binding the item's content hash and where it
 * left it; a `pass` line closes the pass. Nothing is lost: live + archive = input + what the folder held.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Action } from "../actions.js";
import { CuratorError } from "../errors.js";
import type { Governance } from "../schemas/world.js";
import type { Decision } from "../runtime/decide.js";
import { defaultNow } from "../features/observe.js";
import { DEFAULT_GOVERNANCE } from "../governance/rules.js";
import { changeCap } from "../governance/choose.js";
import { AUDIT_FILE, chainRecords, type AuditEntry, type AuditHead, type AuditRecord } from "../governance/audit.js";
import { countActions } from "./review.js";
import { forEachArchiveEntry, GOVERNANCE_FILE, type ArchiveEntry, type LiveItem } from "./io.js";
import { contentHash } from "./history.js";
import {
  ARCHIVE_FILE,
  LIBRARY_FILE,
  openFolder,
  withFolderLock,
  writeFolder,
  resolveFolder,
  checkOutputFolder,
  type FolderState,
} from "./folder.js";

export { ARCHIVE_FILE, LIBRARY_FILE };

export interface PassInput {
  items: readonly LiveItem[];
  /** One entry per item, in the same order: its decision, or null when it is left alone (no new evidence). */
  decisions: readonly (Decision | null)[];
  /** The folder's audit head (null for a new folder). */
  head: AuditHead | null;
  curator: string;
  modelHash: string;
  time: string;
  /** Evidence window (task index) of the pass; default: the largest task index in the items' stats. */
  window?: number;
  governance?: Governance;
  /** The folder holds the rules as governance.json. */
  governanceFile?: boolean;
  /** Retire/rewrite allowed in this window, and how many it had used before (default: cap of the rules, 0). */
  changeCap?: number;
  changesBefore?: number;
  /** Items the folder's archive held before the pass. */
  archivedBefore?: number;
  /** contentHash of each item, in the same order, when the caller has them already (default: computed here). */
  itemHashes?: readonly string[];
}

export interface PassOutput {
  live: LiveItem[];
  /** Entries this pass adds to the archive. */
  archive: ArchiveEntry[];
  /** The pass's audit entries: one per decided item, then the `pass` line. */
  audit: AuditEntry[];
  /** The same entries as the log's text (ChainedRecords.text). */
  auditText: string[];
  head: AuditHead;
  counts: Record<Action, number>;
  decided: number;
  unchanged: number;
}

/** The pure part of a pass: what the folder gains. */
export function planPass(p: PassInput): PassOutput {
  if (p.decisions.length !== p.items.length)
    throw new Error(`planPass: ${p.decisions.length} decisions for ${p.items.length} items`);
  const window = p.window ?? defaultNow(p.items);
  const governance = p.governance ?? DEFAULT_GOVERNANCE;
  const records: AuditRecord[] = [];
  const made: Decision[] = [];
  const rowOfRecord: number[] = [];
  p.decisions.forEach((d, r) => {
    if (!d) return;
    const item = p.items[r];
    if (d.id !== item.id) throw new Error(`planPass: decision ${r} is for '${d.id}', item is '${item.id}'`);
    made.push(d);
    rowOfRecord.push(r);
    records.push({
      time: p.time,
      itemId: d.id,
      action: d.action,
      probs: d.probs,
      allowed: d.allowed,
      reason: d.reason,
      modelHash: p.modelHash,
      curator: p.curator,
      window,
      itemHash: p.itemHashes?.[r] ?? contentHash(item),
      where: d.action === "retire" ? "archive" : "live",
    });
  });
  const retired = made.filter((d) => d.action === "retire").length;
  records.push({
    time: p.time,
    action: "pass",
    curator: p.curator,
    modelHash: p.modelHash,
    window,
    governance,
    governanceFile: p.governanceFile ?? false,
    decided: made.length,
    unchanged: p.items.length - made.length,
    changeCap: p.changeCap ?? changeCap(p.items.length, governance),
    changesBefore: p.changesBefore ?? 0,
    live: p.items.length - retired,
    archived: (p.archivedBefore ?? 0) + retired,
  });
  const { entries, text, head } = chainRecords(p.head, records);
  const seqOfRow = new Map<number, number>();
  rowOfRecord.forEach((r, k) => seqOfRow.set(r, entries[k].seq));
  const live: LiveItem[] = [];
  const archive: ArchiveEntry[] = [];
  p.items.forEach((item, r) => {
    const d = p.decisions[r];
    if (!d || d.action === "keep") live.push(item);
    else if (d.action === "retire")
      archive.push({
        item,
        retiredAt: p.time,
        auditSeq: seqOfRow.get(r)!,
        reason: d.reason,
        curator: p.curator,
        modelHash: p.modelHash,
      });
    else live.push({ ...item, pending: d.action });
  });
  return {
    live,
    archive,
    audit: entries,
    auditText: text,
    head,
    counts: countActions(made),
    decided: made.length,
    unchanged: p.items.length - made.length,
  };
}

export interface ApplySummary {
  out: string;
  counts: Record<Action, number>;
  decided: number;
  unchanged: number;
  live: number;
  archived: number;
  auditLines: number;
  head: string;
}

/** Writes a planned pass into `out` (whose state, when it already is a decide folder, is `state`). */
export async function writePass(
  out: string,
  state: FolderState | null,
  plan: PassOutput,
  governanceText: string | null,
): Promise<ApplySummary> {
  await writeFolder(out, {
    live: plan.live,
    archive: { copyFrom: state ? join(state.dir, ARCHIVE_FILE) : null, append: plan.archive },
    audit: { copyFrom: state ? join(state.dir, AUDIT_FILE) : null, append: plan.auditText },
    head: plan.head,
    governance: governanceText,
  });
  const pass = plan.audit[plan.audit.length - 1] as AuditEntry & { archived: number };
  return {
    out,
    counts: plan.counts,
    decided: plan.decided,
    unchanged: plan.unchanged,
    live: plan.live.length,
    archived: pass.archived,
    auditLines: plan.head.lines,
    head: plan.head.hash,
  };
}

/** Moves an archived item back into the live library and records it in the audit log. */
export async function restoreItem(
  from: string,
  itemId: string,
  clock: () => Date = () => new Date(),
): Promise<{ item: LiveItem; auditLines: number; head: string }> {
  const dir = resolveFolder(from, "--from");
  const kind = checkOutputFolder(dir);
  if (kind !== "decide")
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `'${from}' is not a decide output folder${kind === "absent" ? " (it does not exist)" : ""}. Point --from at the folder 'curator decide --out' wrote.`,
    );
  return withFolderLock(dir, () => restoreLocked(dir, itemId, clock));
}

async function restoreLocked(
  dir: string,
  itemId: string,
  clock: () => Date,
): Promise<{ item: LiveItem; auditLines: number; head: string }> {
  const state = openFolder(dir, { checkLive: false });
  const s = state.history.items.get(itemId);
  const archivePath = join(dir, ARCHIVE_FILE);
  if (s?.where !== "archive") {
    const why = s ? `it is live (audit line ${s.seq}); restoring it would duplicate the id` : archivedSample(state);
    throw new CuratorError("BAD_ARGUMENT", `No item '${itemId}' in ${archivePath} (${why}). Nothing was changed.`);
  }
  let entry: ArchiveEntry | null = null;
  let line = 0;
  forEachArchiveEntry(archivePath, (e, n) => {
    if (e.item.id === itemId) [entry, line] = [e, n];
  });
  const found = entry as ArchiveEntry | null;
  if (!found) throw new Error(`restore: '${itemId}' verified archived but not found`);
  const { text, head } = chainRecords(state.head, [
    {
      time: clock().toISOString(),
      itemId,
      action: "restore",
      probs: null,
      allowed: null,
      reason: `restored by user (retired at audit seq ${found.auditSeq}: ${found.reason})`,
      modelHash: null,
      curator: "user",
      window: null,
      itemHash: contentHash(found.item),
      where: "live",
    },
  ]);
  await writeFolder(dir, {
    live: { copyFrom: join(dir, LIBRARY_FILE), append: [found.item] },
    archive: { copyFrom: archivePath, dropLine: line, append: [] },
    audit: { copyFrom: join(dir, AUDIT_FILE), append: text },
    head,
    governance: existsSync(join(dir, GOVERNANCE_FILE)) ? readFileSync(join(dir, GOVERNANCE_FILE), "utf8") : null,
  });
  return { item: found.item, auditLines: head.lines, head: head.hash };
}

function archivedSample(state: FolderState): string {
  const ids: string[] = [];
  for (const [id, s] of state.history.items) if (s.where === "archive" && ids.length < 10) ids.push(id);
  const n = state.history.archived;
  return n === 0
    ? "the archive is empty"
    : `archived ids: ${ids.join(", ")}${n > ids.length ? `, … (${n} in all)` : ""}`;
}
