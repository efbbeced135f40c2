import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export const TOOLKIT_VERSION: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

let commit: string | undefined;
/** The git commit of the toolkit checkout, or "unknown" outside a checkout. */
export function gitCommit(): string {
  if (commit === undefined) {
    try {
      commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
        .toString()
        .trim();
    } catch {
      commit = "unknown";
    }
  }
  return commit;
}
