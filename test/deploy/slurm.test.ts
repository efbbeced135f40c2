/**
 * Opt-in (CURATOR_TEST_SLURM=1, as root, after `npm run build`): brings up a one-node Slurm cluster with
 * scripts/slurm/one-node-cluster.sh (installing Debian's slurmctld/slurmd/munge if missing), runs a 4-task
 * `collect --shard auto` array, merges, and checks the merge is byte-identical to one process. About 32 s
 * once installed, plus ~35 s for the install.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "../data/fixtures.js";

describe.runIf(process.env.CURATOR_TEST_SLURM === "1")("a real Slurm engine", () => {
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
