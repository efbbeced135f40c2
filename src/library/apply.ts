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
import {
  AUDIT_FILE,
  AuditChain,
  auditEntry,
  chainRecords,
  type AuditEntry,
  type AuditHead,
  type AuditRecord,
  type ItemRecord,
  type PassRecord,
  type SealedLine,
} from "../governance/audit.js";
import { forEachArchiveEntry, GOVERNANCE_FILE, type ArchiveEntry, type LiveItem } from "./io.js";
import { contentHash } from "./history.js";
import {
  ARCHIVE_FILE,
  LIBRARY_FILE,
  openFolder,
  withFolderLock,
  streamFolder,
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
  head: AuditHead;
  counts: Record<Action, number>;
  decided: number;
  unchanged: number;
}

/** The pure part of a pass: what the folder gains (writePass writes the same without holding it). */
export function planPass(p: PassInput): PassOutput {
  const live: LiveItem[] = [];
  const archive: ArchiveEntry[] = [];
  const audit: AuditEntry[] = [];
  const t = walkPass(p, {
    live: (item) => live.push(item),
    archive: (entry) => archive.push(entry),
    audit: (record, sealed) => audit.push(auditEntry(record, sealed)),
  });
  return { live, archive, audit, head: t.head, counts: t.counts, decided: t.decided, unchanged: t.unchanged };
}

/** Where a pass puts what it makes, in file order. */
interface PassSink {
  live(item: LiveItem): void;
  archive(entry: ArchiveEntry): void;
  audit(record: AuditRecord, sealed: SealedLine): void;
}

interface PassTotals {
  head: AuditHead;
  counts: Record<Action, number>;
  decided: number;
  unchanged: number;
  live: number;
  /** Items the archive holds after the pass. */
  archived: number;
}

/**
 * Goes through the items once: each decided item's audit line (chained in item order), then where the item
 * goes (live, live with a `pending` marker, or the archive, naming the line that retired it); the `pass` line last.
 */
function walkPass(p: PassInput, to: PassSink): PassTotals {
  if (p.decisions.length !== p.items.length)
    throw new Error(`pass: ${p.decisions.length} decisions for ${p.items.length} items`);
  const window = p.window ?? defaultNow(p.items);
  const governance = p.governance ?? DEFAULT_GOVERNANCE;
  const chain = new AuditChain(p.head);
  const counts: Record<Action, number> = { keep: 0, compress: 0, rewrite: 0, retire: 0 };
  let live = 0;
  let decided = 0;
  p.items.forEach((item, r) => {
    const d = p.decisions[r];
    if (!d) {
      live++;
      return to.live(item);
    }
    if (d.id !== item.id) throw new Error(`pass: decision ${r} is for '${d.id}', item is '${item.id}'`);
    counts[d.action]++;
    decided++;
    const record: ItemRecord = {
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
    };
    const sealed = chain.append(record);
    to.audit(record, sealed);
    if (d.action === "retire")
      return to.archive({
        item,
        retiredAt: p.time,
        auditSeq: sealed.seq,
        reason: d.reason,
        curator: p.curator,
        modelHash: p.modelHash,
      });
    live++;
    to.live(d.action === "keep" ? item : { ...item, pending: d.action });
  });
  const archived = (p.archivedBefore ?? 0) + counts.retire;
  const pass: PassRecord = {
    time: p.time,
    action: "pass",
    curator: p.curator,
    modelHash: p.modelHash,
    window,
    governance,
    governanceFile: p.governanceFile ?? false,
    decided,
    unchanged: p.items.length - decided,
    changeCap: p.changeCap ?? changeCap(p.items.length, governance),
    changesBefore: p.changesBefore ?? 0,
    live,
    archived,
  };
  to.audit(pass, chain.append(pass));
  return { head: chain.head, counts, decided, unchanged: pass.unchanged, live, archived };
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

/**
 * Makes a pass and writes it into `out` (whose state, when it already is a decide folder, is `state`): each
 * line goes to its file as it is made, so a million-item pass never holds its audit log or its output items.
 */
export async function writePass(
  out: string,
  state: FolderState | null,
  pass: PassInput,
  governanceText: string | null,
): Promise<ApplySummary> {
  let t: PassTotals | null = null;
  await streamFolder(out, {
    copy: {
      live: null,
      archive: state ? join(state.dir, ARCHIVE_FILE) : null,
      audit: state ? join(state.dir, AUDIT_FILE) : null,
    },
    append: (to) => {
      t = walkPass(pass, {
        live: (item) => to.live.writeJson(item),
        archive: (entry) => to.archive.writeJson(entry),
        audit: (_, sealed) => to.audit.write(`${sealed.line}\n`),
      });
      return t.head;
    },
    governance: governanceText,
  });
  const totals = t as PassTotals | null;
  if (!totals) throw new Error("writePass: the folder was written without its pass");
  return {
    out,
    counts: totals.counts,
    decided: totals.decided,
    unchanged: totals.unchanged,
    live: totals.live,
    archived: totals.archived,
    auditLines: totals.head.lines,
    head: totals.head.hash,
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
