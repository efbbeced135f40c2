/**
 * Crash-safe folder swaps. A new version of folder T is built in `.T.tmp-PID-HEX` beside it, flushed to disk,
 * and committed by writing its marker last. Only then are the user's own entries in the old T carried over,
 * the old T renamed to `.T.tmp-PID-HEX.old`, the new one renamed to T, and the old version removed. A journal
 * (`.curator-swap.json`, in the new folder until the old one is gone) names what is carried and what the old
 * version's toolkit files were. A crash at any step leaves leftovers from which `recoverSwap` restores the
 * newest complete version: an uncommitted build is dropped (T is untouched), a committed one is published.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { CuratorError } from "../errors.js";
import { entryExists, faultPoint, fsyncPath, fsyncTree, tempNameFor, writeFileDurable } from "./durable.js";
import {
  OUTPUT_MARKER,
  SWAP_JOURNAL,
  foreignEntries,
  listFiles,
  markerText,
  readMarker,
  type Ownership,
} from "./output-folder.js";

/** The steps of a swap, in order, as the fault-injection hook (CURATOR_FAULT_AT) names them. */
export const SWAP_STEPS = [
  "swap:built",
  "swap:committed",
  "swap:carried-one",
  "swap:old-set-aside",
  "swap:published",
  "swap:old-removed",
] as const;

interface Journal {
  command: string;
  /** User entries of the old version, moved into the new one. */
  carry: string[];
  /** The old version's toolkit files (safe to delete once the new version is published). */
  oldFiles: string[];
}

/** Temp folders this process is building now: recovery leaves them alone. */
const active = new Set<string>();

export function newTempFolder(target: string): string {
  const tmp = tempNameFor(target);
  mkdirSync(tmp);
  active.add(tmp);
  return tmp;
}

/** Drops an unpublished temp folder (a failed build). */
export function discardTempFolder(tmp: string): void {
  rmSync(tmp, { recursive: true, force: true });
  active.delete(tmp);
}

/** Would moving the user's entry `rel` into `dir` collide with what is there (the entry or a non-folder on its way)? */
function blocked(dir: string, rel: string): boolean {
  const parts = rel.split("/");
  for (let i = 1; i < parts.length; i++) {
    const p = join(dir, ...parts.slice(0, i));
    if (entryExists(p) && !lstatSync(p).isDirectory()) return true;
  }
  return entryExists(join(dir, rel));
}

/** Moves entries from one folder into another (skipping those already moved or colliding); returns those left. */
function moveEntries(from: string, to: string, rels: readonly string[]): string[] {
  const left: string[] = [];
  let moved = 0;
  for (const rel of rels) {
    if (!entryExists(join(from, rel))) continue;
    if (blocked(to, rel)) {
      left.push(rel);
      continue;
    }
    mkdirSync(dirname(join(to, rel)), { recursive: true });
    renameSync(join(from, rel), join(to, rel));
    fsyncPath(dirname(join(to, rel)));
    fsyncPath(dirname(join(from, rel)));
    if (++moved === 1) faultPoint("swap:carried-one");
  }
  return left;
}

/**
 * Publishes the built folder `tmp` as `target`. `own` is what target holds now (absent, or an earlier output
 * with its toolkit files). Throws before the commit point (the caller then discards tmp) when a user entry of
 * the old version would collide with a file of the new one.
 */
export function publishFolder(tmp: string, target: string, command: string, own: Ownership): void {
  faultPoint("swap:built");
  const files = listFiles(tmp);
  let journal: Journal | null = null;
  if (own.kind === "own") {
    const carry = foreignEntries(target, own.files);
    const clash = carry.filter((rel) => blocked(tmp, rel));
    if (clash.length > 0)
      throw new CuratorError(
        "OUTPUT_EXISTS",
        `'${target}' holds ${clash.map((c) => `'${c}'`).join(", ")}, which the toolkit did not write, but the new output writes the same path(s). Move them out of '${target}' and re-run. Nothing was changed.`,
      );
    journal = { command, carry, oldFiles: own.files };
    writeFileDurable(join(tmp, SWAP_JOURNAL), `${JSON.stringify(journal)}\n`);
  }
  fsyncTree(tmp);
  writeFileDurable(join(tmp, OUTPUT_MARKER), markerText(command, files)); // the commit point
  faultPoint("swap:committed");
  const parent = dirname(target);
  if (!journal) {
    renameSync(tmp, target);
    fsyncPath(parent);
    active.delete(tmp);
    return;
  }
  moveEntries(target, tmp, journal.carry);
  const old = `${tmp}.old`;
  renameSync(target, old);
  fsyncPath(parent);
  faultPoint("swap:old-set-aside");
  renameSync(tmp, target);
  fsyncPath(parent);
  active.delete(tmp);
  faultPoint("swap:published");
  removeOldVersion(old, target, journal.oldFiles);
  faultPoint("swap:old-removed");
  rmSync(join(target, SWAP_JOURNAL), { force: true });
  fsyncPath(target);
}

/**
 * Removes an old version set aside by a swap: user entries still in it move into `target`, its toolkit files are
 * deleted, then its marker and empty folders. Returns what could not be moved (then `old` is kept).
 */
function removeOldVersion(old: string, target: string, oldFiles: readonly string[]): string[] {
  const left = moveEntries(old, target, foreignEntries(old, oldFiles));
  if (left.length > 0) return left;
  for (const f of oldFiles) rmSync(join(old, f), { force: true });
  rmSync(join(old, SWAP_JOURNAL), { force: true });
  rmSync(join(old, OUTPUT_MARKER), { force: true });
  pruneEmpty(old);
  fsyncPath(dirname(old));
  return existsSync(old) ? readdirSync(old) : [];
}

function pruneEmpty(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pruneEmpty(join(dir, e.name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

interface Leftover {
  id: string;
  /** null for leftovers of toolkit versions that did not name the writer's PID. */
  pid: number | null;
  tmp: string | null;
  old: string | null;
}

/** The swap leftovers of `target` in its parent folder, grouped by swap. */
function leftoversOf(target: string): Leftover[] {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.tmp-`;
  if (!isDir(parent)) return [];
  const groups = new Map<string, Leftover>();
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:(\d+)-)?([0-9a-f]+)(\.old)?$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const id = `${m[1] ?? ""}-${m[2]}`;
    const g = groups.get(id) ?? { id, pid: m[1] ? Number(m[1]) : null, tmp: null, old: null };
    if (m[3]) g.old = join(parent, name);
    else g.tmp = join(parent, name);
    groups.set(id, g);
  }
  return [...groups.values()];
}

function writerAlive(g: Leftover): boolean {
  if (g.pid === null) return false;
  if (g.pid === process.pid) return g.tmp !== null && active.has(g.tmp);
  try {
    process.kill(g.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const isDir = (p: string | null): p is string => p !== null && existsSync(p) && statSync(p).isDirectory();
const committed = (tmp: string | null): boolean => isDir(tmp) && existsSync(join(tmp, OUTPUT_MARKER));

function readJournal(dir: string): Journal | null {
  try {
    return JSON.parse(readFileSync(join(dir, SWAP_JOURNAL), "utf8")) as Journal;
  } catch {
    return null;
  }
}

/** What the leftovers of `target` are, in words, or null when there are none. Changes nothing. */
export function describeSwapLeftovers(target: string): string | null {
  const parts: string[] = [];
  for (const g of leftoversOf(target)) {
    const who = writerAlive(g) ? ` (process ${g.pid} is writing it now)` : "";
    if (g.tmp)
      parts.push(
        `'${basename(g.tmp)}': ${committed(g.tmp) ? "a complete new version, not yet in place" : isDir(g.tmp) ? "an unfinished build" : "an unfinished temp file"}${who}`,
      );
    if (g.old) parts.push(`'${basename(g.old)}': the previous version, set aside by an update${who}`);
  }
  if (isDir(target) && existsSync(join(target, SWAP_JOURNAL)))
    parts.push(`'${SWAP_JOURNAL}' inside it: an update that did not finish cleaning up`);
  if (parts.length === 0) return null;
  const state = existsSync(target) ? "" : ` '${target}' itself is missing.`;
  return `Leftovers of an interrupted write of '${target}':${state} ${parts.join("; ")}. The next curator command that writes '${target}' restores the newest complete version.`;
}

/**
 * Finishes or undoes what a crashed swap of `target` left behind and returns what was done, one sentence per
 * swap (empty when there was nothing to do). Leftovers of a writer that still runs are left alone.
 */
export function recoverSwap(target: string): string[] {
  const said: string[] = [];
  const groups = leftoversOf(target).sort((a, b) => mtime(a.tmp) - mtime(b.tmp));
  let busy = false;
  for (const g of groups) {
    if (writerAlive(g)) {
      busy = true;
      continue;
    }
    const what = recoverOne(g, target);
    if (what) said.push(`recovered '${target}' after an interrupted write: ${what}`);
  }
  if (!busy && isDir(target) && existsSync(join(target, SWAP_JOURNAL))) {
    rmSync(join(target, SWAP_JOURNAL), { force: true });
    fsyncPath(target);
    said.push(`recovered '${target}' after an interrupted write: the update had finished; removed its journal`);
  }
  return said;
}

function mtime(p: string | null): number {
  const m = p && existsSync(join(p, OUTPUT_MARKER)) ? join(p, OUTPUT_MARKER) : p;
  return m && existsSync(m) ? statSync(m).mtimeMs : 0;
}

function recoverOne(g: Leftover, target: string): string | null {
  const parent = dirname(target);
  const hasTarget = entryExists(target);
  if (g.tmp && !isDir(g.tmp)) {
    rmSync(g.tmp, { force: true });
    return g.old ? recoverOne({ ...g, tmp: null }, target) : "removed an unfinished temp file";
  }
  // Toolkit versions before markers: the old version was set aside only after the build had succeeded.
  const legacy = g.pid === null && g.tmp !== null && !committed(g.tmp) && g.old !== null;
  if (g.tmp && (committed(g.tmp) || legacy)) {
    const journal = readJournal(g.tmp);
    if (hasTarget && g.old)
      return `left '${g.tmp}' and '${g.old}' in place: '${target}' exists too, so which is newest is unclear; compare them and keep one yourself`;
    if (hasTarget) {
      const own = readMarker(target);
      if (!journal || (own && own.command !== journal.command))
        return `left '${g.tmp}' in place: '${target}' was created or replaced since, so it is not replaced; compare them and keep one yourself`;
      moveEntries(target, g.tmp, journal.carry);
      g.old = `${g.tmp}.old`;
      renameSync(target, g.old);
      fsyncPath(parent);
    } else if (g.old && journal) moveEntries(g.old, g.tmp, journal.carry);
    renameSync(g.tmp, target);
    fsyncPath(parent);
    const left = g.old ? removeOldVersion(g.old, target, journal?.oldFiles ?? listFiles(g.old)) : [];
    rmSync(join(target, SWAP_JOURNAL), { force: true });
    const keep = left.length ? ` ('${g.old}' is kept: it still holds ${left.join(", ")})` : "";
    return `put the complete new version in place${g.old ? " and removed the previous one" : ""}${keep}`;
  }
  if (g.tmp) {
    discardTempFolder(g.tmp);
    fsyncPath(parent);
    if (!g.old) return `removed an unfinished build; '${target}' is unchanged`;
  }
  if (g.old) {
    if (!hasTarget) {
      renameSync(g.old, target);
      fsyncPath(parent);
      return "restored the previous version (the new one never got in place)";
    }
    const journal = readJournal(target);
    const left = removeOldVersion(g.old, target, journal?.oldFiles ?? readMarker(g.old)?.files ?? listFiles(g.old));
    rmSync(join(target, SWAP_JOURNAL), { force: true });
    return left.length
      ? `kept '${g.old}': it still holds ${left.join(", ")}`
      : "removed the previous version an update had set aside";
  }
  return null;
}
