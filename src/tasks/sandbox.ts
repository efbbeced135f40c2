import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { CuratorError } from "../errors.js";
import { requireIsolation, sandboxArgs, SANDBOX_SCRIPT, SCRIPT_FD, type Isolation } from "./isolation.js";
import { buildProbeModule, REPORT_FD } from "./probe-runtime.js";
import { compileTest, type CompiledTest } from "./probes.js";
import { ScanError } from "./js-scan.js";
import { judge } from "./verdict.js";

/**
 * Runs model-written code against a code task's tests in an operating-system sandbox (isolation.ts) and
 * judges the result in this process (probes.ts, verdict.ts). The sandbox gets the code and the tests'
 * actual-value expressions only; it reports values on fd 3; stdout and stderr are drained and only their
 * first `maxOutputBytes` kept, so code that prints a lot is judged on its values like any other.
 */
export interface SandboxLimits {
  /** wall-clock limit in ms, then SIGKILL of the whole sandbox; the CPU-time rlimit is this, rounded up */
  timeoutMs: number;
  /** V8 old-space heap limit in MB (a clear "out of memory" before the address-space limit) */
  maxOldSpaceMb: number;
  /** address-space rlimit in MB; Node itself reserves ~700 MB of address space, so keep this ≥ 1024 */
  addressSpaceMb: number;
  /** bytes of stdout / stderr kept (the rest is read and dropped) */
  maxOutputBytes: number;
  /** bytes of probe reports accepted; more fails the run */
  maxReportBytes: number;
  /** file-size rlimit and size of the sandbox's private /tmp, in MB */
  fileSizeMb: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  timeoutMs: 5_000,
  maxOldSpaceMb: 128,
  addressSpaceMb: 1024,
  maxOutputBytes: 64 * 1024,
  maxReportBytes: 4 * 1024 * 1024,
  fileSizeMb: 16,
};

export interface SandboxOptions extends Partial<SandboxLimits> {
  /** run without an operating-system sandbox where none is available (the user's explicit, loud opt-out) */
  unsafeNoSandbox?: boolean;
}

export interface SandboxResult {
  /** per test: null if it passed, else why it failed */
  results: Array<string | null>;
  passed: number;
  total: number;
  /** whether any probe reported at all */
  reported: boolean;
  timedOut: boolean;
  reportOverflow: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** total bytes the code wrote to stdout (only the first maxOutputBytes are kept) */
  stdoutBytes: number;
  elapsedMs: number;
  isolation: Isolation["kind"];
}

/** Compiles a task's tests; a test this cannot split into probes is a CuratorError naming it. */
export function compileTests(tests: string[]): CompiledTest[] {
  return tests.map((t, i) => {
    try {
      return compileTest(t, i);
    } catch (e) {
      if (e instanceof ScanError)
        throw new CuratorError("INVALID_CONFIG", `Code task test ${i + 1} cannot be checked: ${e.message}.`);
      throw e;
    }
  });
}

function nodeFlags(lim: SandboxLimits, script: string): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  const permission = flags.has("--permission")
    ? ["--permission"]
    : flags.has("--experimental-permission")
      ? ["--experimental-permission"]
      : [];
  return [
    `--max-old-space-size=${lim.maxOldSpaceMb}`,
    "--no-warnings",
    ...permission,
    ...(permission.length ? [`--allow-fs-read=${script}`] : []),
    script,
  ];
}

interface Launched {
  child: ChildProcess;
  cleanup: () => void;
}

function launch(iso: Isolation, lim: SandboxLimits, module: string): Launched {
  const stdio: Array<"ignore" | "pipe"> = ["ignore", "pipe", "pipe", "pipe", iso.kind === "bwrap" ? "pipe" : "ignore"];
  if (iso.kind === "bwrap") {
    const rl = {
      addressSpaceMb: lim.addressSpaceMb,
      cpuSeconds: Math.ceil(lim.timeoutMs / 1000),
      fileSizeMb: lim.fileSizeMb,
      tmpMb: lim.fileSizeMb,
    };
    const child = spawn(iso.bwrap, sandboxArgs(iso, rl, nodeFlags(lim, SANDBOX_SCRIPT)), { env: {}, stdio });
    const scriptPipe = child.stdio[SCRIPT_FD] as Writable;
    scriptPipe.on("error", () => undefined);
    scriptPipe.end(module);
    return { child, cleanup: () => undefined };
  }
  // --unsafe-no-sandbox: a plain child process with the Node permission model and a heap limit, nothing more
  const dir = mkdtempSync(join(tmpdir(), "curator-sandbox-"));
  const script = join(dir, "main.mjs");
  writeFileSync(script, module);
  const child = spawn(process.execPath, nodeFlags(lim, script), { cwd: dir, env: {}, stdio });
  return { child, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runInSandbox(code: string, tests: string[], opts: SandboxOptions = {}): Promise<SandboxResult> {
  const { unsafeNoSandbox = false, ...limits } = opts;
  const lim: SandboxLimits = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const compiled = compileTests(tests);
  const iso = requireIsolation(unsafeNoSandbox);
  const started = Date.now();
  const { child, cleanup } = launch(iso, lim, buildProbeModule(code, compiled));
  return new Promise((resolve) => {
    let stdoutBytes = 0;
    let stderr = "";
    const reports: Buffer[] = [];
    let reportBytes = 0;
    let timedOut = false;
    let reportOverflow = false;
    const kill = () => child.kill("SIGKILL");
    (child.stdout as Readable).on("data", (c: Buffer) => void (stdoutBytes += c.length));
    (child.stderr as Readable).on("data", (c: Buffer) => {
      if (stderr.length < lim.maxOutputBytes) stderr += c.toString("utf8").slice(0, lim.maxOutputBytes - stderr.length);
    });
    (child.stdio[REPORT_FD] as Readable).on("data", (c: Buffer) => {
      reportBytes += c.length;
      if (reportBytes > lim.maxReportBytes) {
        reportOverflow = true;
        kill();
      } else reports.push(c);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, lim.timeoutMs);
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      const reportText = Buffer.concat(reports).toString("utf8");
      const results = reportOverflow
        ? compiled.map(() => `reported more than ${lim.maxReportBytes} bytes of values`)
        : judge(compiled, reportText);
      resolve({
        results,
        passed: timedOut ? 0 : results.filter((r) => r === null).length,
        total: tests.length,
        reported: reportText.length > 0,
        timedOut,
        reportOverflow,
        exitCode,
        signal,
        stderr: stderr.slice(0, 2000),
        stdoutBytes,
        elapsedMs: Date.now() - started,
        isolation: iso.kind,
      });
    };
    child.on("error", (e) => {
      stderr += `\n${e.message}`;
      finish(null, null);
    });
    child.on("close", finish);
  });
}
