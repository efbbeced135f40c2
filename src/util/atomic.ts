import { existsSync, mkdirSync, mkdtempSync, rmdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CuratorError } from "../errors.js";
import { writeFileDurable } from "./durable.js";
import { OUTPUT_MARKER, outputOwnership, resolveOutputPath, type OutputOptions } from "./output-folder.js";
import { discardTempFolder, newTempFolder, publishFolder, recoverSwap } from "./swap.js";

/** Writes a file atomically and durably (temp file beside it, fsync, rename, fsync of the folder). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileDurable(path, data);
}

/**
 * Fails early, with a clear message, when `out` cannot be created or written. Outputs are built beside `out`
 * (temp folder, then rename), so the nearest existing ancestor of its parent must be a folder we can create
 * entries in. That is probed by creating and removing a temp folder there: permission bits alone say nothing
 * when running as root or on pseudo file systems (/proc, /sys), where a recursive mkdir can even loop forever.
 */
export function assertWritableOutput(out: string): void {
  let probe = dirname(resolve(out));
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const refuse = (why: string) =>
    new CuratorError(
      "UNWRITABLE_OUTPUT",
      `Cannot write to '${out}': ${why}. Choose an --out path in a folder you can write to.`,
    );
  if (!statSync(probe).isDirectory()) throw refuse(`'${probe}' is a file, not a folder`);
  let tmp: string;
  try {
    tmp = mkdtempSync(join(probe, ".curator-probe-"));
  } catch (e) {
    throw refuse(`'${probe}' is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  rmdirSync(tmp); // the empty probe folder just made
}

/**
 * Finishes or undoes an interrupted write of `out` (a crash mid-swap), saying so on stderr; run it before
 * reading a folder a crash may have left in pieces. Returns the real path (a symlink followed).
 */
export function recoverOutput(out: string): string {
  const target = resolve(resolveOutputPath(out));
  for (const m of recoverSwap(target)) process.stderr.write(`curator: ${m}\n`);
  return target;
}

/**
 * Checks, before any work, that `out` may be written by `o.command`: finishes or undoes an interrupted earlier
 * write (saying so on stderr), follows a symlink, and refuses a folder that is not absent, empty or the
 * command's own earlier output. Returns the real path the output goes to.
 */
export function prepareOutput(out: string, o: OutputOptions): string {
  const target = recoverOutput(out);
  assertWritableOutput(target);
  outputOwnership(target, o, out);
  return target;
}

/**
 * Builds an output folder atomically: `build` fills a temp folder beside `out`, which replaces `out` only when
 * build succeeds (see swap.ts). On failure nothing is left behind; the user's own files in an earlier output are
 * carried over into the new one.
 */
export async function writeDirAtomic<T>(
  out: string,
  o: OutputOptions,
  build: (tmpDir: string) => Promise<T>,
): Promise<T> {
  const target = prepareOutput(out, o);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = newTempFolder(target);
  try {
    const result = await build(tmp);
    publishFolder(tmp, target, o.command, outputOwnership(target, o, out)); // owner checked again: the build may take hours
    return result;
  } catch (e) {
    // Once committed (marker written) the new version is complete: recovery finishes the swap, never drops it.
    if (!existsSync(join(tmp, OUTPUT_MARKER))) discardTempFolder(tmp);
    throw e;
  }
}
