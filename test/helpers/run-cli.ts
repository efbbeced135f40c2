/**
 * Runs the built CLI (`node dist/cli/main.js …`, what `npm ci` installs as `curator`) as a child process and
 * captures stdout, stderr and the exit code. `npm test` builds first (pretest); during development run
 * `npm run build` before these tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { expect } from "vitest";
import { CuratorError } from "../../src/errors.js";

export const CLI_ENTRY = resolve(process.cwd(), "dist/cli/main.js");

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Kill the child (SIGKILL) after this many ms; the result then has signal "SIGKILL". Default 120 s. */
  timeoutMs?: number;
}

function assertBuilt(): void {
  if (!existsSync(CLI_ENTRY))
    throw new Error(`${CLI_ENTRY} is missing: run \`npm run build\` first (npm test does it in pretest).`);
}

/** Starts `curator ARGS` and returns the child; stdout / stderr are piped. */
export function spawnCli(args: readonly string[], opts: CliOptions = {}): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Collects a child's output and exit. */
export function finished(child: ChildProcess, timeoutMs = 120_000): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, stdout, stderr });
    });
  });
}

/** Runs `curator ARGS` to completion. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, opts), opts.timeoutMs);
}

/** Runs `curator ARGS --json`, expects exit 0 and returns the parsed summary. */
export async function runCliJson<T = Record<string, unknown>>(
  args: readonly string[],
  opts: CliOptions = {},
): Promise<T> {
  const r = await runCli([...args, "--json"], opts);
  if (r.status !== 0) throw new Error(`curator ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * The contract for a user's mistake: exit code 2, one `curator: error [CODE]: …` message on stderr, no stack
 * trace, nothing on stdout. Returns the message for further checks.
 */
export function expectUserError(r: CliResult, code?: string): string {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("curator: "));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(code ? new RegExp(`^curator: error \\[${code}\\]: `) : /^curator: error \[[A-Z_]+\]: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
  return lines[0];
}

/**
 * The same contract on the programmatic API: `run` rejects with a CuratorError of `code` and leaves nothing
 * behind at `out` (see leftovers). Returns the message for further checks.
 */
export async function expectApiRefusal(run: Promise<unknown>, code: string, out: string): Promise<string> {
  const e = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CuratorError);
  expect((e as CuratorError).code).toBe(code);
  expect(leftovers(out)).toEqual([]);
  return (e as CuratorError).message;
}

/**
 * Entries `out` could leave behind in its parent folder: `out` itself, `out.partial`, and the hidden temp
 * folders/files atomic writes use (`.NAME.tmp-*`) and the writability probe (`.curator-probe-*`).
 */
export function leftovers(out: string): string[] {
  const parent = dirname(resolve(out));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) return [];
  const name = basename(out);
  return readdirSync(parent).filter(
    (e) => e === name || e === `${name}.partial` || e.startsWith(`.${name}.tmp-`) || e.startsWith(".curator-probe-"),
  );
}

/** Waits until `path` exists (polling every `everyMs`), or throws after `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 60_000, everyMs = 5): Promise<void> {
  const start = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
