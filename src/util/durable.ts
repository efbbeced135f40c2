/**
 * Durability helpers: data reaches the disk (fsync of the file, then of the folder that names it) before a
 * rename publishes it, and a fault-injection hook for the crash tests.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";

/** fsync one file or folder. Folders cannot be opened for fsync on some platforms (Windows); that is skipped. */
export function fsyncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (isDirSyncUnsupported(e)) return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!isDirSyncUnsupported(e)) throw e;
  } finally {
    closeSync(fd);
  }
}

function isDirSyncUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "EISDIR" || code === "EPERM" || code === "EINVAL" || code === "EBADF";
}

/** fsync every file under `root`, then every folder bottom-up (so each name is durable after its content). */
export function fsyncTree(root: string): void {
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) fsyncTree(p);
    else if (e.isFile()) fsyncPath(p);
  }
  fsyncPath(root);
}

/** True when `path` exists (a dangling symlink counts: it is an entry). */
export function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Test hook: with `CURATOR_FAULT_AT=<step>` in the environment the process dies (SIGKILL, no cleanup, no
 * finally blocks) when it reaches that step, as a power cut or OOM kill would. Steps are named where called
 * (see SWAP_STEPS in swap.ts and "file:written" in atomic.ts).
 */
export function faultPoint(step: string): void {
  if (process.env.CURATOR_FAULT_AT === step) process.kill(process.pid, "SIGKILL");
}

/** A fresh temp name beside `path` (`.NAME.tmp-PID-HEX`): the PID tells recovery whether its writer still runs. */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Writes `path` durably: temp file beside it, fsync, rename, fsync of the folder. A crash leaves the old file or the new one. */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(path);
  try {
    const fd = openSync(tmp, "wx");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    faultPoint("file:written");
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dirname(path));
}
