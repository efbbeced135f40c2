import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { CuratorError } from "../errors.js";

/** Writes a file atomically: temp file beside it, then rename. A crash leaves the old file or none. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
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
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * Builds an output folder atomically: `build` fills a temp folder beside `out`, which is renamed over `out`
 * only when build succeeds. On failure nothing is left behind. An existing `out` is replaced only at the end.
 */
export async function writeDirAtomic<T>(out: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  assertWritableOutput(out);
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString("hex")}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build(tmp);
    if (existsSync(target)) {
      const old = `${tmp}.old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
    return result;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
