import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { CuratorError } from "../errors.js";

/**
 * Which operating-system isolation code tasks get on this machine (docs/sandbox.md has the table).
 * Linux with bubblewrap and util-linux's prlimit: new user, PID, network, IPC, UTS and cgroup namespaces, a
 * read-only view of /usr (and the Node binary) with an empty size-capped /tmp, no capabilities, uid nobody,
 * kernel rlimits (address space, CPU time, file size, open files, no core dumps), and --die-with-parent so
 * the whole sandbox is SIGKILLed when the toolkit dies, however it dies. Anywhere else: none, and code tasks
 * are refused unless the user passes --unsafe-no-sandbox.
 */
export type Isolation = { kind: "bwrap"; bwrap: string; prlimit: string } | { kind: "none"; why: string };

/** Paths inside the sandbox. */
export const SANDBOX_SCRIPT = "/sandbox/main.mjs";
/** The file descriptor bubblewrap reads the script from (fd 3 carries the probe reports). */
export const SCRIPT_FD = 4;

export interface RlimitSpec {
  addressSpaceMb: number;
  cpuSeconds: number;
  fileSizeMb: number;
  tmpMb: number;
}

function onPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", "/bin"];
  return dirs.map((d) => join(d, name)).find((p) => p && existsSync(p));
}

let detected: Isolation | undefined;

/** Finds bubblewrap (CURATOR_BWRAP, if set, names it; empty: none) and prlimit and runs Node once inside the sandbox to check the kernel allows it. Cached. */
export function detectIsolation(): Isolation {
  if (detected) return detected;
  if (process.platform !== "linux")
    return (detected = {
      kind: "none",
      why: `no sandbox is implemented for ${process.platform} (only Linux, with bubblewrap)`,
    });
  const override = process.env.CURATOR_BWRAP;
  const bwrap = override !== undefined ? (override && existsSync(override) ? override : undefined) : onPath("bwrap");
  const prlimit = onPath("prlimit");
  if (!bwrap)
    return (detected = {
      kind: "none",
      why: override ? `CURATOR_BWRAP names '${override}', which does not exist` : "bubblewrap (bwrap) is not installed",
    });
  if (!prlimit) return (detected = { kind: "none", why: "util-linux's prlimit is not installed" });
  const probe: Isolation = { kind: "bwrap", bwrap, prlimit };
  const args = sandboxArgs(
    probe,
    { addressSpaceMb: 1024, cpuSeconds: 5, fileSizeMb: 1, tmpMb: 1 },
    ["-e", "process.exit(process.getuid() === 65534 ? 0 : 3)"],
    false,
  );
  const r = spawnSync(bwrap, args, { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) {
    const why =
      (r.stderr ?? "").trim().split("\n").slice(-1)[0] || (r.error ? r.error.message : `exit ${r.status ?? r.signal}`);
    return (detected = {
      kind: "none",
      why: `bubblewrap cannot create its namespaces here (${why}); user namespaces may be disabled`,
    });
  }
  return (detected = probe);
}

/** bwrap arguments that run `node NODE_ARGS` with the rlimits, the script read from fd SCRIPT_FD when `withScript`. */
export function sandboxArgs(
  iso: Extract<Isolation, { kind: "bwrap" }>,
  lim: RlimitSpec,
  nodeArgs: string[],
  withScript = true,
): string[] {
  const mb = (n: number) => String(Math.max(1, Math.round(n * 1024 * 1024)));
  const node = process.execPath;
  const usrView = ["--ro-bind", "/usr", "/usr"];
  for (const dir of ["/lib", "/lib64", "/bin"]) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) usrView.push("--symlink", readlinkSync(dir), dir);
    else usrView.push("--ro-bind", dir, dir);
  }
  if (!node.startsWith("/usr/")) usrView.push("--ro-bind", node, node);
  return [
    "--unshare-all",
    "--unshare-user",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--uid",
    "65534",
    "--gid",
    "65534",
    "--hostname",
    "sandbox",
    ...usrView,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    mb(lim.tmpMb),
    "--tmpfs",
    "/tmp",
    ...(withScript ? ["--dir", "/sandbox", "--ro-bind-data", String(SCRIPT_FD), SANDBOX_SCRIPT] : []),
    "--chdir",
    "/tmp",
    "--clearenv",
    "--setenv",
    "HOME",
    "/tmp",
    "--",
    iso.prlimit,
    `--as=${mb(lim.addressSpaceMb)}`,
    `--cpu=${lim.cpuSeconds}:${lim.cpuSeconds + 1}`,
    `--fsize=${mb(lim.fileSizeMb)}`,
    "--nofile=256",
    "--core=0",
    "--",
    node,
    ...nodeArgs,
  ];
}

/** Refuses code tasks where no sandbox is available, unless the user opted out by name. */
export function requireIsolation(unsafeNoSandbox: boolean): Isolation {
  const iso = detectIsolation();
  if (iso.kind === "none" && !unsafeNoSandbox)
    throw new CuratorError(
      "UNSUPPORTED",
      `Code tasks run model-written code, and this machine has no sandbox for it: ${iso.why}. ` +
        `On Linux install bubblewrap ('apt-get install bubblewrap', or 'npm run system-deps'). ` +
        `To run the code anyway in a plain child process that can read your files, reach the network and outlive the toolkit, pass --unsafe-no-sandbox (see docs/sandbox.md).`,
    );
  return iso;
}
