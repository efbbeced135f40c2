/**
 * Issue 12 point 1: every command that takes --out, run against a folder holding `.git/HEAD` and a user file,
 * refuses with exit 2 and a message naming the folder and the way out; both files survive and nothing is left
 * beside the folder. Before the fix `eval --out .` removed `.git`. Re-running onto a command's own earlier
 * output works (the user's files in it are carried over); a symlinked --out is followed, never replaced.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { importSource } from "../../src/import/run.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";
import { expectUserError, leftovers, runCli } from "../helpers/run-cli.js";
import { OUTPUT_MARKER } from "../../src/util/output-folder.js";

const root = mkdtempSync(join(tmpdir(), "curator-ownership-"));
const dataset = join(root, "ds");
const imported = join(root, "imported");
const model = join(root, "model");
const VOYAGER = resolve("test/fixtures/real/voyager");

beforeAll(async () => {
  await collect({ world: "tiny", executors: "weak", streams: 2, tasks: 20, seed: 1, out: dataset });
  await importSource("voyager", VOYAGER, imported);
  const tiny = await makeTinyModelDir(model);
  tiny.model.dispose();
}, 120_000);

/** A folder a user owns: a git checkout with one file of theirs. */
function userFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, ".git"), { recursive: true });
  writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(dir, "README.md"), "my notes\n");
  return dir;
}

function expectUntouched(dir: string): void {
  expect(readFileSync(join(dir, ".git", "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
  expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("my notes\n");
  expect(readdirSync(dir).sort()).toEqual([".git", "README.md"]);
  expect(leftovers(dir)).toEqual([basename(dir)]);
}

function experiment(name: string, fields: Record<string, unknown>): string {
  const cfg = JSON.parse(readFileSync("experiments/default.json", "utf8"));
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...cfg, name, ...fields }));
  return path;
}

const tinyEval = [
  "--curators",
  "none",
  "--executors",
  "weak",
  "--world",
  "tiny",
  "--streams",
  "1",
  "--tasks",
  "5",
  "--seeds",
  "1",
];

describe("a folder the user owns is refused by every command with --out", () => {
  const cases: [string, (out: string) => string[]][] = [
    [
      "collect",
      (out) => ["collect", "--world", "tiny", "--executors", "weak", "--streams", "1", "--tasks", "5", "--out", out],
    ],
    ["train", (out) => ["train", "--data", dataset, "--algo", "awr", "--epochs", "1", "--out", out]],
    ["import", (out) => ["import", "voyager", VOYAGER, "--out", out]],
    ["eval", (out) => ["eval", ...tinyEval, "--out", out]],
    ["eval --replay", (out) => ["eval", "--replay", imported, "--curators", "none", "--out", out]],
    [
      "decide",
      (out) => [
        "decide",
        "--model",
        "heuristic",
        "--library",
        join(imported, "library.jsonl"),
        "--executor",
        "mid",
        "--out",
        out,
      ],
    ],
    ["run (out)", (out) => ["run", experiment("own-out", { out })]],
    [
      "run (shipModel.to)",
      (out) => ["run", experiment("own-ship", { out: join(root, "run-results"), shipModel: { run: "all", to: out } })],
    ],
  ];
  for (const [name, args] of cases) {
    it(
      name,
      async () => {
        const out = userFolder(`user-${name.replace(/\W+/g, "-")}`);
        const r = await runCli(args(out), { cwd: root });
        const message = expectUserError(r, "OUTPUT_EXISTS");
        expect(message).toContain(out);
        expect(message).toMatch(/empty folder/);
        expectUntouched(out);
        expect(existsSync(join(root, "datasets"))).toBe(false);
      },
      60_000,
    );
  }

  it("export --out onto a file the toolkit did not write (README.md)", async () => {
    const out = userFolder("user-export");
    const r = await runCli(["export", "--model", model, "--out", join(out, "README.md")]);
    const message = expectUserError(r, "OUTPUT_EXISTS");
    expect(message).toContain(join(out, "README.md"));
    expectUntouched(out);
  }, 60_000);

  it("eval --out . inside a git checkout (the reported case)", async () => {
    const out = userFolder("user-dot");
    const r = await runCli(["eval", ...tinyEval, "--out", "."], { cwd: out });
    expectUserError(r, "OUTPUT_EXISTS");
    expectUntouched(out);
  }, 60_000);
});

describe("a command's own earlier output", () => {
  it("collect re-runs over it, replacing only its own files and keeping the user's", async () => {
    const out = join(root, "again");
    const args = ["collect", "--world", "tiny", "--executors", "weak", "--streams", "1", "--tasks", "5", "--out", out];
    expect((await runCli(args)).status).toBe(0);
    const marker = JSON.parse(readFileSync(join(out, OUTPUT_MARKER), "utf8"));
    expect(marker).toMatchObject({
      command: "collect",
      files: ["decisions/part-00000.parquet", "manifest.json", "tasks/part-00000.parquet"],
    });
    writeFileSync(join(out, "mine.txt"), "kept\n");
    const first = readFileSync(join(out, "manifest.json"), "utf8");
    const r = await runCli([...args, "--seed", "7"]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, "mine.txt"), "utf8")).toBe("kept\n");
    expect(readFileSync(join(out, "manifest.json"), "utf8")).not.toBe(first);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, "decisions", "manifest.json", "mine.txt", "tasks"]);
    expect(leftovers(out)).toEqual(["again"]);
    // the output of another command is not "own": collect refuses a train output
    const trained = join(root, "trained");
    expect(
      (await runCli(["train", "--data", dataset, "--algo", "awr", "--epochs", "1", "--out", trained])).status,
    ).toBe(0);
    const refused = await runCli([...args.slice(0, -1), trained]);
    expect(expectUserError(refused, "OUTPUT_EXISTS")).toMatch(/output of 'curator train', not of 'curator collect'/);
  }, 120_000);

  it("export re-runs over its own files and records them in the model folder's marker", async () => {
    const dir = join(root, "trained-export");
    expect((await runCli(["train", "--data", dataset, "--algo", "awr", "--epochs", "1", "--out", dir])).status).toBe(0);
    for (let i = 0; i < 2; i++) expect((await runCli(["export", "--model", dir])).status).toBe(0);
    const marker = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), "utf8"));
    expect(marker.command).toBe("train");
    expect(marker.files).toEqual(expect.arrayContaining(["curator.onnx", "curator.vectors.json"]));
    // a re-train replaces the model and drops the stale ONNX with it
    expect(
      (await runCli(["train", "--data", dataset, "--algo", "awr", "--epochs", "1", "--seed", "2", "--out", dir]))
        .status,
    ).toBe(0);
    expect(existsSync(join(dir, "curator.onnx"))).toBe(false);
  }, 180_000);

  it("run re-runs over its own results and shipped model (as npm start does over the committed ones)", async () => {
    const cfg = experiment("tiny-run", {
      world: "tiny",
      runs: [
        {
          name: "all",
          collect: {
            executors: "weak",
            streams: 2,
            tasks: 40,
            behavior: "heuristic",
            epsilon: 0.3,
            seed: 1,
            labels: "oracle",
          },
          train: { algo: "bc", seed: 1, epochs: 1, hidden: [8] },
        },
      ],
      eval: { executors: ["weak"], baselines: ["none"], streams: 1, tasks: 10, seeds: [1] },
      out: join(root, "tiny-run-results"),
      shipModel: { run: "all", to: join(root, "tiny-run-model") },
    });
    const results: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["run", cfg], { cwd: root });
      expect(r.status, r.stderr).toBe(0);
      results.push(readFileSync(join(root, "tiny-run-results", "results.json"), "utf8"));
    }
    expect(results[1]).toBe(results[0]);
    const marker = JSON.parse(readFileSync(join(root, "tiny-run-model", OUTPUT_MARKER), "utf8"));
    expect(marker).toMatchObject({
      command: "run",
      files: [
        "card.json",
        "curator.features.json",
        "curator.onnx",
        "curator.vectors.json",
        "metrics.jsonl",
        "model.json",
        "weights.bin",
      ],
    });
  }, 300_000);

  it("a symlinked --out is followed, never replaced; a dangling one is refused", async () => {
    const real = join(root, "real-target");
    mkdirSync(real);
    const link = join(root, "link");
    symlinkSync(real, link);
    const args = (out: string) => [
      "collect",
      "--world",
      "tiny",
      "--executors",
      "weak",
      "--streams",
      "1",
      "--tasks",
      "5",
      "--out",
      out,
    ];
    for (let i = 0; i < 2; i++) expect((await runCli(args(link))).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(real)).toContain("manifest.json");
    const dangling = join(root, "dangling");
    symlinkSync(join(root, "nowhere"), dangling);
    expect(expectUserError(await runCli(args(dangling)), "OUTPUT_EXISTS")).toMatch(
      /symlink to a path that does not exist/,
    );
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(existsSync(join(root, "nowhere"))).toBe(false);
  }, 120_000);

  it("a failed command leaves nothing behind", async () => {
    const out = join(root, "failed-import");
    const r = await runCli(["import", "voyager", resolve("test/fixtures/real/malformed/empty"), "--out", out]);
    expectUserError(r);
    expect(leftovers(out)).toEqual([]);
  }, 60_000);
});
