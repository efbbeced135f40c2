/**
 * A real Slurm engine: brings up a one-node cluster with scripts/slurm/one-node-cluster.sh (installing Debian's
 * slurmctld / slurmd / munge if missing), runs a 4-task `collect --shard auto` array, merges, and checks the
 * merge is byte-identical to one process. About 20 s once installed, plus ~35 s for the install.
 *
 * Runs by default as root on Linux with apt-get (or Slurm already installed), as on CI. Skipped, with the reason
 * printed, where it cannot run or must not: not root, a Slurm configuration the script did not write, daemons
 * already running (the script never touches a cluster of the machine's own), or CURATOR_TEST_SLURM=0.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../data/fixtures.js";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function skipReason(): string | undefined {
  if (process.env.CURATOR_TEST_SLURM === "0") return "CURATOR_TEST_SLURM=0";
  if (process.platform !== "linux" || process.getuid?.() !== 0) return "needs root on Linux";
  if (!has("slurmctld") && !has("apt-get")) return "Slurm is not installed and there is no apt-get to install it";
  for (const f of ["/etc/slurm/slurm.conf", "/etc/slurm/cgroup.conf"])
    if (existsSync(f) && !/^ClusterName=curator$/m.test(readFileSync(f, "utf8")))
      return `${f} belongs to this machine's own Slurm; the check never touches it`;
  if (spawnSync("pgrep", ["-x", "slurmctld"]).status === 0 || spawnSync("pgrep", ["-x", "slurmd"]).status === 0)
    return "Slurm daemons are already running here";
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`test/deploy/slurm.test.ts skipped: ${reason}`);

describe.skipIf(reason !== undefined)("a real Slurm engine", () => {
  it("a 4-task --shard auto array merges to the bytes one process writes", () => {
    const work = tempDir();
    const run = spawnSync(join(process.cwd(), "scripts/slurm/one-node-cluster.sh"), {
      env: { ...process.env, WORK: work, TASKS: "4" },
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(run.stdout + run.stderr).toContain("OK: merged dataset is byte-identical to one process");
    expect(run.status).toBe(0);
  }, 300_000);
});
