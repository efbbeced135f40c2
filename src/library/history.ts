/**
 * A decide folder's history, replayed from its audit log: for every item ever decided, where the log leaves
 * it (live or archive), the content hash it bound, the evidence window of its last decision and whether a
 * user restored it since. This is the folder's state: passes read what the curator saw last from it, and
 * `audit verify` checks live + archive against it item by item.
 */
import type { Where, AuditEntry, PassRecord } from "../governance/audit.js";
import { canonicalJson, sha256 } from "../governance/audit.js";
import type { LiveItem } from "./io.js";

/** What the curator saw of an item: sha256 of its canonical JSON without the `pending` marker. */
export function contentHash(item: LiveItem): string {
  return sha256(canonicalJson(item, "pending"));
}

export interface ItemState {
  where: Where;
  hash: string;
  /** Evidence window of the item's last decision (null: last touched by a restore). */
  window: number | null;
  /** seq of the line that last touched the item. */
  seq: number;
  /** Restored by a user and not decided since: protected until new evidence about it arrives. */
  restored: boolean;
}

export class History {
  readonly items = new Map<string, ItemState>();
  /** Retire/rewrite decisions per evidence window. */
  readonly changes = new Map<number, number>();
  lastPass: (PassRecord & { seq: number }) | null = null;
  live = 0;
  archived = 0;

  /** Applies one verified log entry; returns a problem when the entry contradicts the history before it. */
  apply(e: AuditEntry): string | null {
    if (e.action === "pass") {
      if (e.live !== this.live || e.archived !== this.archived)
        return `pass line records ${e.live} live / ${e.archived} archived items, the lines before it leave ${this.live} / ${this.archived}`;
      this.lastPass = e;
      return null;
    }
    if (typeof e.itemId !== "string" || typeof e.itemHash !== "string" || (e.where !== "live" && e.where !== "archive"))
      return "item line without itemId / itemHash / where";
    const before = this.items.get(e.itemId);
    const expected: Where = e.action === "retire" ? "archive" : "live";
    if (e.where !== expected) return `action ${e.action} cannot leave item '${e.itemId}' in ${e.where}`;
    if (e.action === "restore") {
      if (before?.where !== "archive") return `restores item '${e.itemId}', which is not archived at that point`;
    } else if (before?.where === "archive") {
      return `decides item '${e.itemId}', which line ${before.seq} archived`;
    }
    if (before) this.count(before.where, -1);
    this.count(e.where, 1);
    this.items.set(e.itemId, {
      where: e.where,
      hash: e.itemHash,
      window: e.window,
      seq: e.seq,
      restored: e.action === "restore",
    });
    if ((e.action === "retire" || e.action === "rewrite") && e.window !== null)
      this.changes.set(e.window, (this.changes.get(e.window) ?? 0) + 1);
    return null;
  }

  private count(where: Where, by: number): void {
    if (where === "live") this.live += by;
    else this.archived += by;
  }

  /** True when the item carries new evidence since its last decision (or was never decided). */
  hasNewEvidence(id: string, hash: string, window: number): boolean {
    const s = this.items.get(id);
    if (!s || s.hash !== hash) return true;
    if (s.restored) return false;
    return s.window !== window;
  }
}

/** Compares a folder's files with its history; collects at most `max` problems, each naming the item. */
export class StateCheck {
  readonly problems: string[] = [];
  private seenLive = new Set<string>();
  private seenArchive = new Set<string>();

  constructor(
    private history: History,
    private files: { live: string; archive: string },
    private max = 20,
  ) {}

  private add(p: string): void {
    if (this.problems.length < this.max) this.problems.push(p);
    else if (this.problems.length === this.max) this.problems.push("… and more");
  }

  archiveEntry(id: string, hash: string, auditSeq: number, line: number): void {
    const s = this.history.items.get(id);
    const at = `${this.files.archive} line ${line}`;
    if (this.seenArchive.has(id)) return this.add(`${at}: item '${id}' is archived twice`);
    this.seenArchive.add(id);
    if (!s)
      return this.add(`${at}: item '${id}' is archived, but the audit log never recorded it (added outside curator)`);
    if (s.where !== "archive")
      return this.add(`${at}: item '${id}' is archived, but the audit log leaves it live (line ${s.seq})`);
    if (s.hash !== hash)
      return this.add(
        `${at}: archived item '${id}' differs from the content the audit log bound at line ${s.seq} (edited)`,
      );
    if (auditSeq !== s.seq)
      return this.add(`${at}: archived item '${id}' names audit line ${auditSeq}, the log retired it at line ${s.seq}`);
  }

  liveItem(id: string, hash: string, line: number): void {
    const s = this.history.items.get(id);
    const at = `${this.files.live} line ${line}`;
    if (this.seenLive.has(id)) return this.add(`${at}: item '${id}' appears twice`);
    this.seenLive.add(id);
    if (!s) return this.add(`${at}: live item '${id}' was never recorded in the audit log (added outside curator)`);
    if (s.where !== "live")
      return this.add(`${at}: item '${id}' is live, but the audit log archived it at line ${s.seq}`);
    if (s.hash !== hash)
      return this.add(
        `${at}: live item '${id}' differs from the content the audit log bound at line ${s.seq} (edited outside curator)`,
      );
  }

  /** Items the history holds that the files did not show. */
  missing(which: { live: boolean; archive: boolean }): void {
    for (const [id, s] of this.history.items) {
      if (which.live && s.where === "live" && !this.seenLive.has(id))
        this.add(`live item '${id}' (audit line ${s.seq}) is missing from ${this.files.live} (deleted)`);
      if (which.archive && s.where === "archive" && !this.seenArchive.has(id))
        this.add(
          `archived item '${id}' (retired at audit line ${s.seq}) is missing from ${this.files.archive} (removed)`,
        );
      if (this.problems.length > this.max) return;
    }
  }
}
