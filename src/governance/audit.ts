/**
 * The audit log: append-only JSONL, one line per decision (and per restore), hash-chained. Each line carries
 * `prevHash` (the previous line's `hash`, or GENESIS_HASH for the first) and `hash` = sha256 of the line's
 * canonical JSON without `hash` (keys sorted, no spaces). `audit.head.json` beside it records the line count
 * and last hash, so cutting lines off the end is detected too.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Action } from "../actions.js";
import { CuratorError } from "../errors.js";

export const AUDIT_FILE = "audit.jsonl";
export const AUDIT_HEAD_FILE = "audit.head.json";
export const GENESIS_HASH = "0".repeat(64);

export type AuditAction = Action | "restore";

/** What a caller records; seq, prevHash and hash are filled in by the chain. */
export interface AuditRecord {
  time: string;
  itemId: string;
  action: AuditAction;
  /** Probabilities in ACTIONS order as an object; null for a restore. */
  probs: Record<Action, number> | null;
  /** Actions governance allowed; null for a restore. */
  allowed: Action[] | null;
  reason: string;
  modelHash: string | null;
  curator: string;
}

export interface AuditEntry extends AuditRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditHead {
  lines: number;
  hash: string;
}

/** JSON with object keys sorted at every level; the form that is hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  const { hash: _drop, ...rest } = entry as AuditEntry;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

/** Chains `records` after `head` (null = empty log). Returns the new entries and the new head. */
export function chainRecords(head: AuditHead | null, records: readonly AuditRecord[]): { entries: AuditEntry[]; head: AuditHead } {
  let seq = head?.lines ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const entries: AuditEntry[] = [];
  for (const r of records) {
    // Only the record's own fields: a stray seq / prevHash / hash on the input must not override the chain.
    const { time, itemId, action, probs, allowed, reason, modelHash, curator } = r;
    const base = { seq: ++seq, time, itemId, action, probs, allowed, reason, modelHash, curator, prevHash };
    const hash = entryHash(base);
    entries.push({ ...base, hash });
    prevHash = hash;
  }
  return { entries, head: { lines: seq, hash: prevHash } };
}

/** An audit line as written: canonical key order, so the file reads the same way it is hashed. */
export function auditLine(e: AuditEntry): string {
  return `${canonicalJson(e)}\n`;
}

export type VerifyResult =
  | { ok: true; lines: number; head: AuditHead | null }
  | { ok: false; line: number; problem: string };

/**
 * Recomputes the chain over audit.jsonl text. `expected` (from audit.head.json) additionally catches lines cut
 * off the end. Reports the first bad line (1-based).
 */
export function verifyAuditText(text: string, expected: AuditHead | null): VerifyResult {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let e: AuditEntry;
    try {
      e = JSON.parse(lines[i]);
    } catch {
      return { ok: false, line: n, problem: "not valid JSON" };
    }
    if (typeof e !== "object" || e === null || Array.isArray(e)) return { ok: false, line: n, problem: "not a JSON object" };
    if (e.seq !== n) return { ok: false, line: n, problem: `seq is ${JSON.stringify(e.seq)}, expected ${n} (a line was deleted, inserted or moved)` };
    if (e.prevHash !== prevHash)
      return { ok: false, line: n, problem: "prevHash does not match the previous line's hash (a line before it was deleted, edited or moved)" };
    if (typeof e.hash !== "string" || entryHash(e) !== e.hash) return { ok: false, line: n, problem: "hash does not match the line's content (the line was edited)" };
    prevHash = e.hash;
  }
  if (expected) {
    if (expected.lines > lines.length)
      return { ok: false, line: lines.length + 1, problem: `missing: ${AUDIT_HEAD_FILE} records ${expected.lines} lines, the log has ${lines.length} (lines were cut off the end)` };
    if (expected.lines < lines.length)
      return { ok: false, line: expected.lines + 1, problem: `${AUDIT_HEAD_FILE} records only ${expected.lines} lines (lines were appended outside curator, or the head was edited)` };
    if (expected.hash !== prevHash) return { ok: false, line: lines.length, problem: `last hash differs from ${AUDIT_HEAD_FILE}` };
  }
  return { ok: true, lines: lines.length, head: { lines: lines.length, hash: prevHash } };
}

/**
 * Verifies DIR/audit.jsonl against DIR/audit.head.json. A folder with neither is an empty, valid log; one
 * without the other is a failure (line 1 for a missing log, the head for a missing head).
 */
export function verifyAuditDir(dir: string): VerifyResult {
  const logPath = join(dir, AUDIT_FILE);
  const headPath = join(dir, AUDIT_HEAD_FILE);
  const hasLog = existsSync(logPath);
  const hasHead = existsSync(headPath);
  if (!hasLog && !hasHead) return { ok: true, lines: 0, head: null };
  if (!hasHead) return { ok: false, line: 0, problem: `${AUDIT_HEAD_FILE} is missing, so cut-off lines cannot be ruled out` };
  let head: AuditHead;
  try {
    head = JSON.parse(readFileSync(headPath, "utf8"));
    if (!Number.isInteger(head.lines) || typeof head.hash !== "string") throw new Error("bad shape");
  } catch {
    return { ok: false, line: 0, problem: `${AUDIT_HEAD_FILE} is not {"lines": N, "hash": "…"}` };
  }
  return verifyAuditText(hasLog ? readFileSync(logPath, "utf8") : "", head);
}

/** The head to append after, refusing (TAMPERED) to extend a chain that does not verify. */
export function auditHeadForAppend(dir: string): AuditHead | null {
  const r = verifyAuditDir(dir);
  if (!r.ok) throw tamperedError(dir, r);
  return r.head && r.head.lines > 0 ? r.head : null;
}

export function tamperedError(dir: string, r: { line: number; problem: string }): CuratorError {
  const where = r.line > 0 ? `${join(dir, AUDIT_FILE)} line ${r.line}` : join(dir, AUDIT_HEAD_FILE);
  return new CuratorError(
    "TAMPERED",
    `Audit log check failed at ${where}: ${r.problem}. The log is not trustworthy; restore the folder from a backup. Nothing was changed.`,
  );
}
