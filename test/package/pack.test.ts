/**
 * The published face, as a harness engineer meets it: `npm pack`, install into a separate project offline
 * (from the npm cache `npm ci` filled), type-check a short harness against the public types and run it.
 * The runtime package runs by default; the full package (≈780 MB installed, over a minute) with CURATOR_TEST_PACK_FULL=1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offlineLockfile, type LocalTarball } from "../helpers/offline-lock.js";

const ROOT = process.cwd();
const MODEL = join(ROOT, "models/default/curator.onnx");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const runtimePkg = JSON.parse(readFileSync(join(ROOT, "packages/runtime/package.json"), "utf8"));

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Packs `pkgDir` into a fresh folder and installs it offline into a new project beside it; returns the project. */
/** Temporary projects (hundreds of MB each), removed after the tests. */
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function installPacked(
  pkgDir: string,
  pkg: { name: string; version: string; dependencies: Record<string, string>; bin?: Record<string, string> },
): string {
  const dir = mkdtempSync(join(tmpdir(), "curator-pack-"));
  made.push(dir);
  const file = sh("npm", ["pack", pkgDir, "--ignore-scripts", "--pack-destination", dir], ROOT)
    .trim()
    .split("\n")
    .pop()!;
  const proj = join(dir, "harness");
  mkdirSync(proj);
  const tarball: LocalTarball = {
    name: pkg.name,
    file: `../${file}`,
    abs: join(dir, file),
    version: pkg.version,
    dependencies: pkg.dependencies,
    bin: pkg.bin,
  };
  const lock = offlineLockfile(join(ROOT, "package-lock.json"), [tarball], ["@types/node"]) as {
    packages: Record<string, { dependencies: object }>;
  };
  writeFileSync(
    join(proj, "package.json"),
    JSON.stringify({
      name: "harness",
      version: "9.9.9",
      private: true,
      type: "module",
      dependencies: lock.packages[""].dependencies,
    }),
  );
  writeFileSync(join(proj, "package-lock.json"), JSON.stringify(lock));
  // The documented offline setting: onnxruntime-node's postinstall would otherwise try to download.
  writeFileSync(join(proj, ".npmrc"), "onnxruntime-node-install=skip\n");
  sh("npm", ["ci", "--offline", "--no-audit", "--no-fund"], proj);
  return proj;
}

const HARNESS = (from: string) => `
import { CuratorRuntime, CuratorError, executorObservation, FEATURE_NAMES, TOOLKIT_VERSION, type Decision, type LibraryItem } from "${from}";
const items: LibraryItem[] = [
  { id: "helps", kind: "skill", content: "retry with exponential backoff", stats: { createdAt: 0, lastRetrievedAt: 90, timesRetrieved: 30, successes: 25, failures: 5 } },
  { id: "idle", kind: "context", content: "deploy with the v1 api", stats: { createdAt: 2 } },
  { id: "pinned", kind: "context", content: "never push to main", pinned: true },
];
const rt = await CuratorRuntime.create(process.argv[2]);
const executorStats = executorObservation({ contextBudget: 4000, tasks: [{ success: true, contextTokens: 900 }, { success: false, contextTokens: 1500 }] });
const r = await rt.decide(items, undefined, { executorStats });
const decisions: Decision[] = r.decisions;
let code = "";
try { await CuratorRuntime.create("missing.onnx"); } catch (e) { if (e instanceof CuratorError) code = e.code; }
console.log(JSON.stringify({ version: TOOLKIT_VERSION, features: FEATURE_NAMES.length, decisions, sources: r.executorSources, code }));
await rt.dispose();
`;

/** Type-checks and runs the harness inside `proj`; returns its JSON output. */
function typecheckAndRun(
  proj: string,
  from: string,
): {
  version: string;
  features: number;
  decisions: { id: string; action: string }[];
  sources: Record<string, string>;
  code: string;
} {
  writeFileSync(join(proj, "harness.ts"), HARNESS(from));
  writeFileSync(
    join(proj, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        outDir: "out",
        types: ["node"],
      },
      files: ["harness.ts"],
    }),
  );
  sh("node", [TSC, "-p", "tsconfig.json"], proj);
  return JSON.parse(sh("node", ["out/harness.js", MODEL], proj));
}

function checkHarnessOutput(out: ReturnType<typeof typecheckAndRun>, version: string): void {
  expect(out.version).toBe(version);
  expect(out.features).toBeGreaterThan(10);
  expect(out.decisions.map((d) => d.id)).toEqual(["helps", "idle", "pinned"]);
  expect(out.decisions[2].action).toBe("keep");
  expect(out.sources).toEqual({ successRate: "harness", contextBudget: "harness", budgetUse: "harness" });
  expect(out.code).toBe("FILE_NOT_FOUND");
}

describe("packed packages", { timeout: 900_000 }, () => {
  it("the runtime package: installs offline without tfjs / DuckDB / vega / hyparquet, type-checks and runs a harness", () => {
    execFileSync("node", [TSC, "-p", "packages/runtime/tsconfig.json"], { cwd: ROOT });
    for (const [name, version] of Object.entries(runtimePkg.dependencies))
      expect(rootPkg.dependencies[name], name).toBe(version);
    expect(runtimePkg.version).toBe(rootPkg.version);
    const proj = installPacked(join(ROOT, "packages/runtime"), runtimePkg);
    const installed = sh("npm", ["ls", "--all", "--parseable", "--offline"], proj);
    for (const heavy of ["@tensorflow", "@duckdb", "/vega", "hyparquet", "@resvg"])
      expect(installed).not.toContain(heavy);
    checkHarnessOutput(typecheckAndRun(proj, runtimePkg.name), runtimePkg.version);
  });

  it.runIf(process.env.CURATOR_TEST_PACK_FULL === "1")(
    "the full package: public import, runtime subpath and `npx curator --version` from a host project",
    () => {
      const proj = installPacked(ROOT, { ...rootPkg, bin: rootPkg.bin });
      checkHarnessOutput(typecheckAndRun(proj, rootPkg.name), rootPkg.version);
      checkHarnessOutput(typecheckAndRun(proj, `${rootPkg.name}/runtime`), rootPkg.version);
      expect(sh("npx", ["--offline", "curator", "--version"], proj).trim()).toBe(rootPkg.version);
    },
  );
});
