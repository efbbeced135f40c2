/**
 * The scratch folder (`OUT.partial/`) where a resumable command keeps unfinished work: created with the run's
 * options fingerprint, kept for `--resume` only when the fingerprint matches, removed for a fresh start only
 * when the toolkit left it (claimScratchFolder).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { claimScratchFolder } from "./output-folder.js";
import { CuratorError } from "../errors.js";

/** Makes `OUT.partial/` for a run with this fingerprint: kept for --resume (same options only), else fresh. */
export function preparePartial(dir: string, fingerprint: string, resume: boolean): void {
  const fp = join(dir, "options.sha256");
  if (existsSync(dir)) {
    if (!resume) claimScratchFolder(dir, "options.sha256", true);
    else if (!existsSync(fp) || readFileSync(fp, "utf8") !== fingerprint)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Cannot --resume: the unfinished run in '${dir}' was started with different options. Re-run with the same options, or without --resume to start over.`,
      );
    else return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(fp, fingerprint);
}

/** Removes a finished run's scratch folder, only when the toolkit left it (it holds `ownFile`): never a user's folder. */
export function removeScratch(dir: string, ownFile = "options.sha256"): void {
  if (existsSync(join(dir, ownFile))) rmSync(dir, { recursive: true, force: true });
}
