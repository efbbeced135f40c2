/**
 * The PyTorch peer of train.samples: Debian's python3-torch under /usr/bin/python3 running
 * scripts/bench-torch.py in serve mode, so its epochs interleave with ours.
 *
 * Debian's libtorch calls whatever libblas.so.3 points at; with only the reference (netlib) BLAS it is ~10x
 * slower at these matMuls, which would flatter us. libtorch recommends OpenBLAS first, so the bench installs
 * both (python3-torch, libopenblas0-pthread) when either is missing, and pins the peer to one thread like ours.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";

export const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../scripts/bench-torch.py", import.meta.url));
const PACKAGES = ["python3-torch", "libopenblas0-pthread"];
const ONE_THREAD = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };

function torchImports(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

function installed(pkg: string): boolean {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

/**
 * Makes the peer available: installs the Debian packages with apt-get when missing and `install` is set.
 * Returns why the peer cannot run, or null when it can.
 */
export function ensureTorch(install: boolean, log: (m: string) => void): string | null {
  const missing = PACKAGES.filter((p) => !installed(p));
  if (torchImports() && missing.length === 0) return null;
  if (!install)
    return torchImports() ? null : `${PYTHON} cannot import torch (install: apt-get install -y ${PACKAGES.join(" ")})`;
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd, rest, {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  };
  try {
    log(`installing the PyTorch peer: apt-get install -y ${missing.join(" ")}`);
    run(["apt-get", "update", "-qq"]);
    run(["apt-get", "install", "-y", "-qq", ...missing]);
  } catch (e) {
    return `apt-get install ${missing.join(" ")} failed (${(e as Error).message.split("\n")[0]})`;
  }
  return torchImports() ? null : `${PYTHON} still cannot import torch after installing ${missing.join(" ")}`;
}

export interface TorchMeta {
  threads: number;
  torch: string;
  blas: string;
}

/** A running bench-torch.py --serve process: one epoch per `epoch()` call. */
export class TorchPeer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly rl: Interface,
    readonly meta: TorchMeta,
  ) {}

  static async start(args: {
    features: number;
    hidden: number[];
    batch: number;
    rows: number;
    lr: number;
  }): Promise<TorchPeer> {
    const child = spawn(
      PYTHON,
      [
        SCRIPT,
        "--serve",
        "--features",
        String(args.features),
        "--hidden",
        args.hidden.join(","),
        "--batch",
        String(args.batch),
        "--rows",
        String(args.rows),
        "--lr",
        String(args.lr),
        "--threads",
        "1",
      ],
      { env: { ...process.env, ...ONE_THREAD } },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const rl = createInterface({ input: child.stdout });
    const lines = rl[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done)
      throw new Error(`bench-torch.py exited before it was ready: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const meta = JSON.parse(first.value) as TorchMeta & { ready: boolean };
    return new TorchPeer(child, lines, rl, { threads: meta.threads, torch: meta.torch, blas: meta.blas });
  }

  /** One timed epoch; returns samples per wall-clock second. */
  async epoch(): Promise<number> {
    this.child.stdin.write("run\n");
    const next = await this.lines.next();
    if (next.done) throw new Error("bench-torch.py exited during a run");
    return (JSON.parse(next.value) as { samplesPerSec: number }).samplesPerSec;
  }

  stop(): void {
    this.child.stdin.end();
    this.rl.close();
  }
}
