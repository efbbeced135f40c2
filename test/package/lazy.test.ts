/** Importing the public API or the runtime entry loads no heavy module (they load when a heavy function is called). */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = process.cwd();
const HEAVY = /@tensorflow|@duckdb|^vega|hyparquet|@resvg|cli-progress|openai|yargs/;

/** Every bare specifier node resolves while importing `entry` (a module.register resolve hook logs them). */
function bareSpecifiers(entry: string, then = ""): string[] {
  const dir = mkdtempSync(join(tmpdir(), "lazy-"));
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    `export async function resolve(s, c, next) { if (!s.startsWith(".") && !s.startsWith("node:") && !s.startsWith("file:")) process.stderr.write("SPEC " + s + "\\n"); return next(s, c); }\n`,
  );
  const main = join(dir, "main.mjs");
  writeFileSync(
    main,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\nconst api = await import(${JSON.stringify(pathToFileURL(entry).href)});\n${then}\n`,
  );
  const r = spawnSync("node", [main], { encoding: "utf8", cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  return [...r.stderr.matchAll(/^SPEC (.+)$/gm)].map((m) => m[1]);
}

describe("lazy loading", { timeout: 120_000 }, () => {
  it("dist/index.js and dist/runtime/index.js load only the runtime's packages; train() loads tfjs when called", () => {
    for (const entry of ["dist/index.js", "dist/runtime/index.js"]) {
      expect(existsSync(join(ROOT, entry)), `${entry}: run npm run build`).toBe(true);
      const specs = bareSpecifiers(join(ROOT, entry));
      expect(
        specs.filter((s) => HEAVY.test(s)),
        entry,
      ).toEqual([]);
      expect(specs).toContain("onnxruntime-node");
    }
    // The heavy path really is behind the function (the check above can fail).
    const specs = bareSpecifiers(
      join(ROOT, "dist/index.js"),
      "await api.train({ data: '/nonexistent', out: '/tmp/x' }).catch(() => {});",
    );
    expect(specs.some((s) => s.startsWith("@tensorflow"))).toBe(true);
  });
});
