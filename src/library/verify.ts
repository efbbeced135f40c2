/**
 * `curator audit verify DIR`: replays the folder's audit log (the hash chain must hold up to audit.head.json,
 * and, when the user kept one, up to a head hash recorded outside the folder) and checks that the live
 * library, the archive and governance.json are exactly what the log says, naming each item that differs.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { CuratorError } from "../errors.js";
import { AUDIT_FILE, AUDIT_HEAD_FILE, readHeadFile, verifyAuditFile, type AuditHead } from "../governance/audit.js";
import {
  ARCHIVE_FILE,
  checkFolderFiles,
  classifyFolder,
  FOLDER_MARKER,
  LIBRARY_FILE,
  readHistory,
  FolderProblem,
  resolveFolder,
} from "./folder.js";

export interface FolderVerified {
  dir: string;
  lines: number;
  head: AuditHead;
  live: number;
  archived: number;
}

/** Verifies a decide folder; throws TAMPERED (or VERSION_MISMATCH for a format 1 folder) naming what differs. */
export function verifyFolder(path: string, expectHead?: string): FolderVerified {
  if (!existsSync(path))
    throw new CuratorError(
      "TAMPERED",
      `'${path}' does not exist: there is nothing to verify (a folder 'curator decide --out' wrote was expected).`,
    );
  const dir = resolveFolder(path, "audit verify");
  if (!statSync(dir).isDirectory())
    throw new CuratorError("TAMPERED", `'${path}' is a file, not a decide output folder.`);
  const { kind } = classifyFolder(dir);
  if (kind === "legacy") throw legacyVerifyError(dir);
  if (kind !== "decide")
    throw new CuratorError(
      "TAMPERED",
      `'${path}' is not a decide output folder (${kind === "empty" ? "it is empty" : `no ${FOLDER_MARKER}`}): it has no history to verify. If it held one, its files were removed.`,
    );
  const state = readHistory(dir);
  if (state instanceof FolderProblem) throw state.toError();
  if (expectHead !== undefined && state.head.hash !== expectHead)
    throw new CuratorError(
      "TAMPERED",
      `${join(dir, AUDIT_HEAD_FILE)} ends at hash ${state.head.hash} (${state.head.lines} lines), not the expected ${expectHead}: the log was rewritten, cut or extended since that head was recorded.`,
    );
  const problems = checkFolderFiles(state, { live: true, governance: true });
  if (problems.length > 0) throw new FolderProblem(dir, problems).toError();
  return { dir, lines: state.head.lines, head: state.head, live: state.history.live, archived: state.history.archived };
}

function legacyVerifyError(dir: string): CuratorError {
  const head = readHeadFile(join(dir, AUDIT_HEAD_FILE));
  const log = join(dir, AUDIT_FILE);
  let chain = "its audit.jsonl is missing";
  if (existsSync(log)) {
    const r = verifyAuditFile(log, typeof head === "string" ? null : head);
    chain = r.ok
      ? `its hash chain is intact (${r.lines} lines${typeof head === "string" ? `, but ${head}` : ""})`
      : `its hash chain is broken at line ${r.line}: ${r.problem}`;
  }
  return new CuratorError(
    "VERSION_MISMATCH",
    `'${dir}' is a format 1 decide folder (written by an earlier curator; no ${FOLDER_MARKER}): ${chain}. Format 1 audit lines do not bind item contents, ` +
      `so ${LIBRARY_FILE} and ${ARCHIVE_FILE} cannot be proven against them. Start a provable history from its live items: curator decide --library '${dir}' --out NEW_FOLDER.`,
  );
}
