/**
 * The audit log: append-only JSONL, hash-chained. Each line carries `prevHash` (the previous line's `hash`, or
 * GENESIS_HASH for the first) and `hash` = sha256 of the line's canonical JSON without `hash` (keys sorted, no
 * spaces). `audit.head.json` beside it records the line count and last hash, so cutting lines off the end is
 * detected too; a hash kept outside the folder (`audit verify --expect-head`) also catches a rewritten head.
 *
 * Format 2 (`"v": 2` on every line) binds state, not just decisions: an item line names the item, the
 * content hash of the item it leaves behind (`itemHash`) and where it leaves it (`where`: live | archive), so
 * replaying the log gives the exact live + archive a folder must hold. A `pass` line closes every decide pass
 * with its evidence window, the rules applied and the folder's counts. Format 1 (no `v`) lines carry no item
 * hashes; their chain still verifies, but they cannot prove a folder's contents.
 */
import { canonicalJson, sha256 } from "./canonical.js";
import { existsSync, readFileSync } from "node:fs";
import type { Action } from "../actions.js";
import type { Governance } from "../schemas/world.js";
import { forEachLine } from "../util/lines.js";

export const AUDIT_FILE = "audit.jsonl";
export const AUDIT_HEAD_FILE = "audit.head.json";
export const GENESIS_HASH = "0".repeat(64);
export const AUDIT_FORMAT = 2;

export type Where = "live" | "archive";

/** A decision about one item (keep / compress / rewrite / retire) or a user's restore. */
export interface ItemRecord {
  time: string;
  itemId: string;
  action: Action | "restore";
  /** Probabilities in ACTIONS order as an object; null for a restore. */
  probs: Record<Action, number> | null;
  /** Actions governance allowed; null for a restore. */
  allowed: Action[] | null;
  reason: string;
  modelHash: string | null;
  curator: string;
  /** Evidence window (task index) the decision was taken in; null for a restore. */
  window: number | null;
  /** contentHash of the item as this line leaves it (without its `pending` marker). */
  itemHash: string;
  where: Where;
}

/** Closes a decide pass: what it saw and what the folder holds afterwards. */
export interface PassRecord {
  time: string;
  action: "pass";
  curator: string;
  modelHash: string;
  window: number;
  /** The rules the pass applied, and whether the folder holds them as governance.json. */
  governance: Governance;
  governanceFile: boolean;
  /** Items decided in this pass, and live items left alone (no new evidence since their last decision). */
  decided: number;
  unchanged: number;
  /** Retire/rewrite allowed per evidence window, and how many the window had used before this pass. */
  changeCap: number;
  changesBefore: number;
  live: number;
  archived: number;
}

export type AuditRecord = ItemRecord | PassRecord;
export type AuditEntry = AuditRecord & { v: typeof AUDIT_FORMAT; seq: number; prevHash: string; hash: string };

export interface AuditHead {
  lines: number;
  hash: string;
}

export { canonicalJson, canonicalSlow, sha256 } from "./canonical.js";

/** The hash of any audit line (either format): sha256 of its canonical JSON without `hash`. */
export function entryHash(entry: object): string {
  return sha256(canonicalJson(entry, "hash"));
}

/** Lines per block of `ChainedRecords.text`. */
const BLOCK_LINES = 4096;

export interface ChainedRecords {
  entries: AuditEntry[];
  /**
   * The entries as the log's text: blocks of whole lines, each line ending in a newline. Blocks (one flat
   * string per few thousand lines) rather than a string per line: a million retained line strings, each
   * built from pieces, cost seconds of garbage collection and hundreds of MB.
   */
  text: string[];
  head: AuditHead;
}

/** Chains `records` after `head` (null = empty log). Returns the new entries, their text and the new head. */
export function chainRecords(head: AuditHead | null, records: readonly AuditRecord[]): ChainedRecords {
  const chain = new AuditChain(head);
  const entries: AuditEntry[] = [];
  const text: string[] = [];
  let block: string[] = [];
  for (const r of records) {
    const sealed = chain.append(r);
    entries.push(auditEntry(r, sealed));
    block.push(sealed.line);
    if (block.length === BLOCK_LINES) {
      text.push(`${block.join("\n")}\n`);
      block = [];
    }
  }
  if (block.length > 0) text.push(`${block.join("\n")}\n`);
  return { entries, text, head: chain.head };
}

/** A record sealed into the chain: where it sits, its hash and its line (canonical JSON, no newline). */
export interface SealedLine {
  seq: number;
  prevHash: string;
  hash: string;
  line: string;
}

/**
 * Appends records to a log one at a time, so that a pass can write each line as it makes it instead of
 * holding a million of them (chainRecords is this, collected).
 */
export class AuditChain {
  private seq: number;
  private prevHash: string;

  constructor(head: AuditHead | null) {
    this.seq = head?.lines ?? 0;
    this.prevHash = head?.hash ?? GENESIS_HASH;
  }

  get head(): AuditHead {
    return { lines: this.seq, hash: this.prevHash };
  }

  append(r: AuditRecord): SealedLine {
    const seq = ++this.seq;
    const prevHash = this.prevHash;
    const { hash, line } = sealEntry(r as unknown as Record<string, unknown>, seq, prevHash);
    this.prevHash = hash;
    return { seq, prevHash, hash, line };
  }
}

/** The entry a record became when sealed: its own fields and the chain's. */
export function auditEntry(r: AuditRecord, sealed: SealedLine): AuditEntry {
  const entry = entryFields(r as unknown as Record<string, unknown>, sealed.seq, sealed.prevHash);
  entry.hash = sealed.hash;
  return entry as unknown as AuditEntry;
}

function entryFields(rec: Record<string, unknown>, seq: number, prevHash: string): Record<string, unknown> {
  // Only the record's own fields: a stray v / seq / prevHash / hash on the input must not override the chain.
  const entry: Record<string, unknown> = { v: AUDIT_FORMAT, seq };
  for (const k of Object.keys(rec)) {
    if (k === "v" || k === "seq" || k === "prevHash" || k === "hash") continue;
    if (k === "__proto__") Object.defineProperty(entry, k, { value: rec[k], enumerable: true, writable: true });
    else entry[k] = rec[k];
  }
  entry.prevHash = prevHash;
  return entry;
}

/**
 * The hash of a record's entry (its canonical JSON without `hash`) and its line (the canonical JSON with `hash`
 * in its sorted place), from one serialisation of its members.
 */
function sealEntry(rec: Record<string, unknown>, seq: number, prevHash: string): { hash: string; line: string } {
  const text = itemLineText(rec, seq, prevHash);
  if (text !== null) {
    const hash = sha256(text);
    // `,"itemHash":` can only be that member: inside a JSON string every `"` is escaped.
    const at = text.indexOf(',"itemHash":');
    return { hash, line: `${text.slice(0, at)},"hash":"${hash}"${text.slice(at)}` };
  }
  const e = entryFields(rec, seq, prevHash);
  const keys = Object.keys(e).sort();
  const members: string[] = [];
  let at = -1;
  for (const k of keys) {
    const v = e[k];
    if (k === "hash" || v === undefined) continue;
    if (at < 0 && k > "hash") at = members.length;
    members.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  const hash = sha256(`{${members.join(",")}}`);
  members.splice(at < 0 ? members.length : at, 0, `"hash":"${hash}"`);
  return { hash, line: `{${members.join(",")}}` };
}

/** The fields of a decision record (ItemRecord): exactly these, with the types itemLineText checks. */
const ITEM_RECORD_KEYS = [
  "action",
  "allowed",
  "curator",
  "itemHash",
  "itemId",
  "modelHash",
  "probs",
  "reason",
  "time",
  "where",
  "window",
];
const PROBS_KEYS = ["compress", "keep", "retire", "rewrite"];

/**
 * A decision line (the one written a million times in a pass) in its canonical text without `hash`: one native
 * JSON.stringify of its members in sorted order. Null for any other shape (which takes the general path).
 */
function itemLineText(r: Record<string, unknown>, seq: number, prevHash: string): string | null {
  if (Object.keys(r).length !== ITEM_RECORD_KEYS.length) return null;
  for (const k of ITEM_RECORD_KEYS) if (!Object.hasOwn(r, k) || r[k] === undefined) return null;
  const { action, allowed, curator, itemHash, itemId, modelHash, probs, reason, time, where } = r;
  const window = r.window;
  for (const x of [action, curator, itemHash, itemId, modelHash, reason, time, where])
    if (typeof x !== "string") return null;
  if (window !== null && typeof window !== "number") return null;
  if (!Array.isArray(allowed) || !allowed.every((a) => typeof a === "string")) return null;
  if (typeof probs !== "object" || probs === null || Object.getPrototypeOf(probs) !== Object.prototype) return null;
  const p = probs as Record<string, unknown>;
  if (Object.keys(p).length !== PROBS_KEYS.length) return null;
  for (const k of PROBS_KEYS) if (typeof p[k] !== "number") return null;
  const probsSorted = { compress: p.compress, keep: p.keep, retire: p.retire, rewrite: p.rewrite };
  return JSON.stringify({
    action,
    allowed,
    curator,
    itemHash,
    itemId,
    modelHash,
    prevHash,
    probs: probsSorted,
    reason,
    seq,
    time,
    v: AUDIT_FORMAT,
    where,
    window,
  });
}

/** An audit line as written: canonical key order, so the file reads the same way it is hashed. */
export function auditLine(e: AuditEntry): string {
  return `${canonicalJson(e)}\n`;
}

export type ChainResult =
  { ok: true; lines: number; head: AuditHead; version: 1 | 2 } | { ok: false; line: number; problem: string };

/**
 * Checks the chain one line at a time (feed `line`, then `end`), handing every verified format-2 entry to
 * `onEntry`. Stops at the first bad line (1-based).
 */
export class ChainChecker {
  private prevHash = GENESIS_HASH;
  private n = 0;
  private version: 1 | 2 | null = null;
  failure: { line: number; problem: string } | null = null;

  constructor(private onEntry?: (e: AuditEntry) => string | null) {}

  /** False once the chain is broken (stop reading). */
  line(text: string): boolean {
    const n = ++this.n;
    const fail = (problem: string) => {
      this.failure = { line: n, problem };
      return false;
    };
    let e: AuditEntry;
    try {
      e = JSON.parse(text);
    } catch {
      return fail("not valid JSON");
    }
    if (typeof e !== "object" || e === null || Array.isArray(e)) return fail("not a JSON object");
    const version = e.v === undefined ? 1 : e.v === AUDIT_FORMAT ? 2 : null;
    if (version === null)
      return fail(`unknown audit format v=${JSON.stringify(e.v)} (this curator reads formats 1 and ${AUDIT_FORMAT})`);
    if (this.version !== null && version !== this.version)
      return fail(`format ${version} line in a format ${this.version} log`);
    this.version = version;
    if (e.seq !== n)
      return fail(`seq is ${JSON.stringify(e.seq)}, expected ${n} (a line was deleted, inserted or moved)`);
    if (e.prevHash !== this.prevHash)
      return fail("prevHash does not match the previous line's hash (a line before it was deleted, edited or moved)");
    if (typeof e.hash !== "string" || entryHash(e) !== e.hash)
      return fail("hash does not match the line's content (the line was edited)");
    this.prevHash = e.hash;
    if (version === 2 && this.onEntry) {
      const problem = this.onEntry(e);
      if (problem) return fail(problem);
    }
    return true;
  }

  /** The result, checked against the head file's record when given. */
  end(expected: AuditHead | null): ChainResult {
    if (this.failure) return { ok: false, ...this.failure };
    const lines = this.n;
    if (expected) {
      if (expected.lines > lines)
        return {
          ok: false,
          line: lines + 1,
          problem: `missing: ${AUDIT_HEAD_FILE} records ${expected.lines} lines, the log has ${lines} (lines were cut off the end)`,
        };
      if (expected.lines < lines)
        return {
          ok: false,
          line: expected.lines + 1,
          problem: `${AUDIT_HEAD_FILE} records only ${expected.lines} lines (lines were appended outside curator, or the head was edited)`,
        };
      if (expected.hash !== this.prevHash)
        return { ok: false, line: lines, problem: `last hash differs from ${AUDIT_HEAD_FILE}` };
    }
    return { ok: true, lines, head: { lines, hash: this.prevHash }, version: this.version ?? AUDIT_FORMAT };
  }
}

/** Recomputes the chain over audit text (small logs and tests; files go through verifyAuditFile). */
export function verifyAuditText(text: string, expected: AuditHead | null): ChainResult {
  const c = new ChainChecker();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const l of lines) if (!c.line(l)) break;
  return c.end(expected);
}

/** Streams a log file through a ChainChecker. */
export function verifyAuditFile(
  path: string,
  expected: AuditHead | null,
  onEntry?: (e: AuditEntry) => string | null,
): ChainResult {
  const c = new ChainChecker(onEntry);
  forEachLine(path, (text) => c.line(text));
  return c.end(expected);
}

/** Reads audit.head.json: the head, or a problem description. */
export function readHeadFile(path: string): AuditHead | string {
  if (!existsSync(path)) return `${AUDIT_HEAD_FILE} is missing, so cut-off lines cannot be ruled out`;
  try {
    const head = JSON.parse(readFileSync(path, "utf8"));
    if (!Number.isInteger(head.lines) || typeof head.hash !== "string") throw new Error("bad shape");
    return { lines: head.lines, hash: head.hash };
  } catch {
    return `${AUDIT_HEAD_FILE} is not {"lines": N, "hash": "…"}`;
  }
}
