import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/eval/evaluate.js";
import { writeReport, type ReportFiles } from "../../src/eval/report.js";
import type { EvalResults } from "../../src/eval/summarize.js";
import { evalOptionsFromArgs } from "../../src/cli/commands/eval.js";
import { isCuratorError } from "../../src/errors.js";

const EXECUTORS = ["weak", "strong"];
const CURATORS = ["none", "heuristic", "random", "oracle"];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TITLES: Record<string, string> = {
  "success-over-stream": "Success rate over the stream",
  "cost-per-completed-task": "Cost per completed task",
  "library-size": "Library size over the stream",
  "action-mix": "Action mix per executor",
  "cross-backbone": "Cross-backbone transfer",
};

// The built CLI (npm test builds first); falls back to the sources when dist has no eval command yet.
const CLI = existsSync(join(process.cwd(), "dist/cli/commands/eval.js"))
  ? [join(process.cwd(), "dist/cli/main.js")]
  : ["--import", "tsx", join(process.cwd(), "src/cli/main.ts")];

let results: EvalResults;
let dir: string;
let files: ReportFiles;

/** A learned curator (copy of `random`'s rows) trained on weak+mid, so strong is held out; below heuristic on weak. */
function withLearned(base: EvalResults): EvalResults {
  const r: EvalResults = structuredClone(base);
  const name = "learned.onnx";
  r.curators.push({ name, kind: "model", spec: `models/x/${name}`, trainedOn: ["weak", "mid"] });
  for (const row of base.results.filter((x) => x.curator === "random"))
    r.results.push({
      ...structuredClone(row),
      curator: name,
      heldOut: row.executor === "strong",
      oracleUpliftShare: row.executor === "strong" ? 0.42 : 0.73,
      paired: [{ against: "heuristic", successDiff: -0.031, successP: 0.2, costDiff: 0.001, costP: 0.3 }],
    });
  r.series.push(...base.series.filter((x) => x.curator === "random").map((x) => ({ ...x, curator: name })));
  return r;
}

beforeAll(async () => {
  results = await evaluate({
    world: "tiny",
    executors: EXECUTORS,
    curators: ["none", "heuristic", "random"],
    streams: 2,
    tasks: 60,
    seeds: [1, 2],
  });
  dir = mkdtempSync(join(tmpdir(), "eval-report-"));
  files = await writeReport(dir, results, { title: "Tiny evaluation", notes: ["a note"] });
});

describe("writeReport", () => {
  it("writes results.json, report.md and an SVG + PNG per plot", () => {
    expect(existsSync(files.results) && existsSync(files.report)).toBe(true);
    const names = ["success-over-stream", "cost-per-completed-task", "library-size", "action-mix"];
    for (const n of names)
      for (const ext of ["svg", "png"]) expect(files.plots).toContain(join(dir, "plots", `${n}.${ext}`));
    // No learned curator says what it was trained on: the cross-backbone grid is skipped, and the report says so.
    expect(existsSync(join(dir, "plots", "cross-backbone.svg"))).toBe(false);
    expect(readFileSync(files.report, "utf8")).toMatch(/no trained-on → evaluated-on grid/);
  });

  it("PNGs are valid and non-trivial; SVGs carry their titles", () => {
    for (const p of files.plots.filter((f) => f.endsWith(".png"))) {
      const bytes = readFileSync(p);
      expect([...bytes.subarray(0, 8)]).toEqual(PNG_MAGIC);
      expect(statSync(p).size).toBeGreaterThan(10_000);
    }
    for (const p of files.plots.filter((f) => f.endsWith(".svg"))) {
      const name = p
        .split("/")
        .pop()!
        .replace(/\.svg$/, "");
      const svg = readFileSync(p, "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain(TITLES[name]);
    }
  });

  it("report.md has a row for every curator × executor, the paired tests, the action mix and plot links", () => {
    const md = readFileSync(files.report, "utf8");
    expect(md.startsWith("# Tiny evaluation")).toBe(true);
    for (const e of EXECUTORS) {
      const section = md.split(`### ${e}\n`)[1].split("\n### ")[0];
      for (const c of CURATORS) expect(section).toMatch(new RegExp(`^\\| ${c} \\| \\d+\\.\\d% \\[`, "m"));
    }
    expect(md).toContain("## Paired tests against `none` and `heuristic`");
    expect(md).toMatch(/^\| weak \| heuristic \| none \| [+-]\d+\.\d pp \| /m);
    expect(md).toMatch(/^\| strong \| random \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \| \d+ \|$/m);
    expect(md).toContain("## How to read this");
    expect(md).toContain("(oracle − none)");
    expect(md).toContain("](plots/success-over-stream.png)");
    expect(md).toMatch(/\$0\.\d{4} \[/);
  });

  it("results.json round-trips to the same results", () => {
    const parsed = JSON.parse(readFileSync(files.results, "utf8"));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(results)));
    expect(parsed.results).toHaveLength(CURATORS.length * EXECUTORS.length);
  });

  it("with a learned curator: draws the cross-backbone grid, marks held-out cells, and says when it is below heuristic", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "eval-grid-")), "r");
    mkdirSync(out);
    const f = await writeReport(out, withLearned(results));
    const svg = readFileSync(join(out, "plots", "cross-backbone.svg"), "utf8");
    expect(svg).toContain("Cross-backbone transfer");
    expect(svg).toContain("42% *");
    expect(existsSync(join(out, "plots", "cross-backbone.png"))).toBe(true);
    const md = readFileSync(f.report, "utf8");
    expect(md).toMatch(/^\| trained on weak\+mid \| 73\.0% \| 42\.0% † \|$/m);
    expect(md).toMatch(/^\| learned\.onnx † \|.*-3\.1 pp \*\*below\*\*/m);
    expect(md).toMatch(/\*\*learned\.onnx\*\* on \*\*weak\*\*: .*-3\.1 pp \*\*below\*\*/);
  });
});

describe("curator eval (CLI)", () => {
  const base = [
    "eval",
    "--world",
    "tiny",
    "--curators",
    "none,heuristic,random",
    "--executors",
    "weak,strong",
    "--tasks",
    "60",
  ];

  it("--json prints {results: [{curator, executor, successRate, costPerCompletedTask, oracleUpliftShare, successRateCI}]}", () => {
    const out = join(mkdtempSync(join(tmpdir(), "eval-cli-")), "res");
    const r = spawnSync("node", [...CLI, ...base, "--streams", "2", "--seeds", "1,2", "--out", out, "--json"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(Object.keys(parsed)).toEqual(["results"]);
    expect(parsed.results).toHaveLength(CURATORS.length * EXECUTORS.length);
    for (const row of parsed.results) {
      expect(CURATORS).toContain(row.curator);
      expect(EXECUTORS).toContain(row.executor);
      expect(typeof row.successRate).toBe("number");
      expect(typeof row.costPerCompletedTask).toBe("number");
      expect(row.oracleUpliftShare === null || typeof row.oracleUpliftShare === "number").toBe(true);
      expect(row.successRateCI).toHaveLength(2);
      expect(row.successRateCI[0]).toBeLessThanOrEqual(row.successRate);
      expect(row.successRateCI[1]).toBeGreaterThanOrEqual(row.successRate);
    }
    expect(parsed.results.find((x: { curator: string }) => x.curator === "oracle").oracleUpliftShare).toBe(1);
    expect(existsSync(join(out, "report.md")) && existsSync(join(out, "plots", "action-mix.png"))).toBe(true);
  });

  it("exits 2 with a one-line error naming --streams on --streams -1, writing nothing", () => {
    const out = join(tmpdir(), `eval-cli-never-written-${process.pid}`);
    const r = spawnSync("node", [...CLI, ...base, "--streams", "-1", "--seeds", "1,2", "--out", out], {
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--streams");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("flag validation names the flag: empty lists, non-integer seeds, negative or fractional counts, missing executors", () => {
    const ok = {
      json: false,
      debug: false,
      curators: "none",
      executors: "weak",
      world: "tiny",
      streams: 2,
      tasks: 10,
      seeds: "1,2",
      out: "x",
    };
    expect(evalOptionsFromArgs(ok)).toMatchObject({
      curators: ["none"],
      executors: ["weak"],
      seeds: [1, 2],
      streams: 2,
      tasks: 10,
    });
    const bad: [Partial<typeof ok> & Record<string, unknown>, RegExp][] = [
      [{ curators: " , " }, /--curators ' , ': Too small.*e\.g\. --curators/],
      [{ executors: "" }, /--executors '': Too small/],
      [{ executors: undefined }, /--executors \(not given\)/],
      [{ seeds: "1,x" }, /--seeds '1,x' \(item 2\)/],
      [{ seeds: "1.5" }, /--seeds '1.5'.*int/],
      [{ seeds: "" }, /--seeds '': Too small/],
      [{ streams: -1 }, /--streams '-1': Too small/],
      [{ tasks: 2.5 }, /--tasks '2.5': .*expected int/],
      [{ streams: Number.NaN }, /--streams/],
      [{ "cost-weight": -1 }, /--cost-weight/],
    ];
    for (const [patch, msg] of bad) {
      let err: unknown;
      try {
        evalOptionsFromArgs({ ...ok, ...patch } as typeof ok);
      } catch (e) {
        err = e;
      }
      expect(isCuratorError(err) && err.code === "BAD_ARGUMENT", JSON.stringify(patch)).toBe(true);
      expect((err as Error).message).toMatch(msg);
    }
  });
});
