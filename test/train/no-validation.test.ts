/**
 * Issue 12 point 8: a one-stream dataset has no validation split (validation holds out whole streams). Before the
 * fix training reported "best 1, val_loss 0.0000" as if it had validated, stopped after patience + 1 epochs and
 * kept the first epoch's weights. Now it trains every epoch without early stopping, keeps the final weights and
 * says "no validation split" in the CLI output, the card and metrics.jsonl.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { runCli } from "../helpers/run-cli.js";

describe("training with no validation rows", () => {
  it("runs every epoch and says there was no validation split", async () => {
    const root = mkdtempSync(join(tmpdir(), "curator-noval-"));
    const data = join(root, "one-stream");
    await collect({ world: "tiny", executors: "weak", streams: 1, tasks: 40, seed: 1, out: data });
    const out = join(root, "model");
    const r = await runCli([
      "train",
      "--data",
      data,
      "--algo",
      "awr",
      "--epochs",
      "6",
      "--patience",
      "2",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/6 epochs \(no validation split: the dataset has 1 stream\(s\).*collect at least 2/);
    expect(r.stdout).toMatch(/ 0 validation rows/);
    expect(r.stdout).not.toMatch(/val_loss 0\.0000/);
    const card = JSON.parse(readFileSync(join(out, "card.json"), "utf8"));
    expect(card.training).toMatchObject({ epochsRun: 6, bestEpoch: null, bestMetric: null, valRows: 0 });
    expect(card.training.validation).toMatch(/^no validation split/);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(metrics).toHaveLength(6);
    for (const m of metrics) expect(m).toMatchObject({ val_loss: null, val_metric: null });
  }, 120_000);
});
