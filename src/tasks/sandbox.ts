import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Runs untrusted code and its tests in a separate Node process — never in the toolkit's own process.
 * Isolation: an empty environment (no API keys), a fresh temp folder as cwd, a V8 heap limit
 * (--max-old-space-size), a wall-clock limit enforced with SIGKILL, capped output, and, where Node has it, the
 * permission model (no file reads beyond the script, no writes, no child processes, no workers, no native
 * addons). The child stays in the toolkit's process group, so Ctrl-C stops it too.
 */
export interface SandboxLimits {
  /** wall-clock limit in ms, then SIGKILL */
  timeoutMs: number;
  /** V8 old-space heap limit in MB */
  maxOldSpaceMb: number;
  /** stdout / stderr bytes kept */
  maxOutputBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { timeoutMs: 5_000, maxOldSpaceMb: 128, maxOutputBytes: 64 * 1024 };

export interface SandboxResult {
  /** per test: null if it passed, else its error message; undefined when the run ended before reporting */
  results?: Array<string | null>;
  passed: number;
  total: number;
  timedOut: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  elapsedMs: number;
}

function permissionFlags(scriptPath: string): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has("--permission")) return ["--permission", `--allow-fs-read=${scriptPath}`];
  if (flags.has("--experimental-permission")) return ["--experimental-permission", `--allow-fs-read=${scriptPath}`];
  return [];
}

/** Builds the child's module: shims, the candidate code, then each test in its own try/catch. */
export function buildTestModule(code: string, tests: string[], marker: string): string {
  const wrapped = tests
    .map(
      (t, i) =>
        `try { await (async () => {\n${t}\n})(); __results[${i}] = null; } catch (e) { __results[${i}] = String(e && e.message ? e.message : e).slice(0, 300); }`,
    )
    .join("\n");
  return [
    `import { createRequire as __createRequire } from "node:module";`,
    `const require = __createRequire(import.meta.url);`,
    `const module = { exports: {} }; const exports = module.exports;`,
    `globalThis.assert = (await import("node:assert/strict")).default;`,
    `const __results = new Array(${tests.length}).fill("not run");`,
    code,
    `;\n// ---- tests ----`,
    wrapped,
    `process.stdout.write("\\n${marker}" + JSON.stringify(__results) + "\\n");`,
  ].join("\n");
}

export function runInSandbox(code: string, tests: string[], limits: Partial<SandboxLimits> = {}): Promise<SandboxResult> {
  const lim = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  const dir = mkdtempSync(join(tmpdir(), "curator-sandbox-"));
  const script = join(dir, "main.mjs");
  const marker = `__CURATOR_RESULTS_${randomBytes(8).toString("hex")}__`;
  writeFileSync(script, buildTestModule(code, tests, marker));
  const args = [`--max-old-space-size=${lim.maxOldSpaceMb}`, "--no-warnings", ...permissionFlags(script), script];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, env: {}, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const cap = (s: string, chunk: Buffer) => (s.length < lim.maxOutputBytes ? s + chunk.toString("utf8").slice(0, lim.maxOutputBytes - s.length) : s);
    child.stdout.on("data", (c: Buffer) => (stdout = cap(stdout, c)));
    child.stderr.on("data", (c: Buffer) => (stderr = cap(stderr, c)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, lim.timeoutMs);
    let done = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const at = stdout.lastIndexOf(marker);
      let results: Array<string | null> | undefined;
      if (at >= 0 && !timedOut) {
        try {
          const parsed: unknown = JSON.parse(stdout.slice(at + marker.length).split("\n")[0]);
          if (Array.isArray(parsed) && parsed.length === tests.length) results = parsed as Array<string | null>;
        } catch {
          results = undefined;
        }
      }
      const passed = results ? results.filter((r) => r === null).length : 0;
      resolve({ results, passed, total: tests.length, timedOut, exitCode, signal, stderr: stderr.slice(0, 2000), elapsedMs: Date.now() - started });
    };
    child.on("error", () => finish(null, null));
    child.on("close", finish);
  });
}
