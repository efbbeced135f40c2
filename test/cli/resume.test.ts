/**
 * Issue 7, crash safety: `collect` and `train` killed with SIGKILL mid-run and continued with `--resume` end
 * with the same bytes as an uninterrupted run. The manifest and the card record the command line (which now
 * carries --resume), so those two files are compared field by field without `command`; everything else by bytes.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { train } from "../../src/train/train.js";
import { useBackend } from "../../src/train/tf.js";
import { finished, runCliJson, spawnCli, waitForFile } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-resume-"));
const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
const json = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const withoutCommand = ({ command: _c, ...rest }: Record<string, unknown>) => rest;

/** Starts `curator ARGS`, SIGKILLs it as soon as `marker` exists, and checks it really died mid-run. */
async function killWhen(args: string[], marker: string): Promise<void> {
  const child = spawnCli(args);
  const done = finished(child);
  await Promise.race([waitForFile(marker, 90_000, 2), done]);
  child.kill("SIGKILL");
  const r = await done;
  expect(r.signal, `the run finished before it could be killed:\n${r.stderr}`).toBe("SIGKILL");
}

describe("collect: SIGKILL, then --resume", () => {
  const args = [
    "collect",
    "--world",
    "tiny",
    "--executors",
    "weak,strong",
    "--streams",
    "6",
    "--tasks",
    "100",
    "--labels",
    "oracle",
    "--seed",
    "5",
  ];
  const reference = join(root, "collect-reference");
  const out = join(root, "collect-killed");

  beforeAll(async () => {
    await collect({
      world: "tiny",
      executors: "weak,strong",
      streams: 6,
      tasks: 100,
      labels: "oracle",
      seed: 5,
      out: reference,
    });
  });

  it("continues from the finished streams to the same bytes as an uninterrupted run", async () => {
    await killWhen([...args, "--out", out], join(`${out}.partial`, "stream-0.json"));
    expect(existsSync(out)).toBe(false);
    const saved = readdirSync(`${out}.partial`).filter((f) => /^stream-\d+\.json$/.test(f));
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(saved.length).toBeLessThan(6);

    // resuming with other options is refused (and leaves the unfinished run alone)
    await expect(
      collect({
        world: "tiny",
        executors: "weak,strong",
        streams: 6,
        tasks: 100,
        labels: "oracle",
        seed: 6,
        out,
        resume: true,
      }),
    ).rejects.toMatchObject({
      code: "BAD_ARGUMENT",
    });
    expect(readdirSync(`${out}.partial`)).toEqual(expect.arrayContaining(saved));

    const summary = await runCliJson<{ resumedStreams: number }>([...args, "--out", out, "--resume"]);
    expect(summary.resumedStreams).toBeGreaterThanOrEqual(saved.length);
    for (const f of ["decisions/part-00000.parquet", "tasks/part-00000.parquet"])
      expect(bytes(out, f).equals(bytes(reference, f)), f).toBe(true);
    expect(withoutCommand(json(out, "manifest.json"))).toEqual(withoutCommand(json(reference, "manifest.json")));
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readdirSync(root).filter((e) => e.startsWith(".collect-killed"))).toEqual([]);
  });
});

describe("train: SIGKILL, then --resume", () => {
  const data = join(root, "train-data");
  const reference = join(root, "train-reference");
  const out = join(root, "train-killed");
  const opts = { algo: "bc" as const, seed: 2, epochs: 15, patience: 15, hidden: [32, 32], batchSize: 64 };
  const args = () => [
    "train",
    "--data",
    data,
    "--algo",
    opts.algo,
    "--seed",
    "2",
    "--epochs",
    "15",
    "--patience",
    "15",
    "--hidden",
    "32,32",
    "--batch-size",
    "64",
  ];

  beforeAll(async () => {
    await collect({
      world: "tiny",
      executors: "weak,mid,strong",
      streams: 3,
      tasks: 100,
      labels: "oracle",
      seed: 2,
      out: data,
    });
    await useBackend("wasm");
    await train({ ...opts, data, out: reference });
  });

  it("continues from the last checkpoint to the same weights, metrics and card", async () => {
    await killWhen([...args(), "--out", out], join(`${out}.partial`, "checkpoint.json"));
    expect(existsSync(out)).toBe(false);
    const checkpoint = json(`${out}.partial`, "checkpoint.json");
    expect(checkpoint.state.epoch).toBeGreaterThanOrEqual(1);
    expect(checkpoint.state.epoch).toBeLessThan(opts.epochs);

    const summary = await runCliJson<{ resumedFromEpoch: number; epochs: number }>([
      ...args(),
      "--out",
      out,
      "--resume",
    ]);
    expect(summary.resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(summary.epochs).toBe(opts.epochs);
    for (const f of ["weights.bin", "model.json", "metrics.jsonl"])
      expect(bytes(out, f).equals(bytes(reference, f)), f).toBe(true);
    expect(withoutCommand(json(out, "card.json"))).toEqual(withoutCommand(json(reference, "card.json")));
    expect(json(out, "card.json").command).toMatch(/--resume/);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
