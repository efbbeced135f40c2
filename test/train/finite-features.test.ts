/**
 * Issue 15 point 5: a dataset whose feature column is NaN or infinite is refused at training, naming the column
 * and the file (it trained, exit 0, into a card with `mean: null` that export then refused); a run where no task
 * succeeded says "no completed task" instead of "$Infinity per completed task".
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { readDataset, writeDatasetFiles } from "../../src/data/dataset.js";
import { train } from "../../src/train/train.js";
import { costPerCompletedText } from "../../src/util/money.js";
import { expectApiRefusal, runCli } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-finite-"));
const clean = join(root, "clean");

/** A copy of the clean dataset with some feature values replaced. */
async function withFeatures(name: string, edit: (columns: Record<string, unknown>) => void): Promise<string> {
  const d = await readDataset(clean);
  const { files: _f, rows: _r, ...draft } = d.manifests[0];
  edit(d.decisions as Record<string, unknown>);
  const dir = join(root, name);
  const rows = (t: Record<string, unknown>) => (t.stream_id as ArrayLike<number>).length;
  mkdirSync(dir);
  writeDatasetFiles(dir, draft, {
    decisions: { columns: d.decisions as never, rows: rows(d.decisions) },
    tasks: { columns: d.tasks as never, rows: rows(d.tasks) },
  });
  return dir;
}

beforeAll(async () => {
  await collect({ world: "tiny", executors: "weak", streams: 2, tasks: 40, seed: 1, out: clean });
});

describe("training refuses non-finite features", () => {
  it("names the all-NaN column and its file, and writes no model", async () => {
    const data = await withFeatures("nan", (c) => {
      c.f_item_age_log = new Float32Array((c.f_item_age_log as Float32Array).length).fill(NaN);
    });
    const out = join(root, "model-nan");
    const msg = await expectApiRefusal(train({ data, algo: "awr", epochs: 1, out }), "INVALID_FILE", out);
    expect(msg).toContain(
      `column 'f_item_age_log' in '${join(data, "decisions", "part-00000.parquet")}': every value is NaN or infinite (first at row 1: NaN)`,
    );
    expect(msg).toMatch(/every feature must be a finite number/);
  });

  it("counts partial infinities per column", async () => {
    const data = await withFeatures("inf", (c) => {
      const col = Float32Array.from(c.f_item_tokens_log as Float32Array);
      col[3] = Infinity;
      col[7] = -Infinity;
      c.f_item_tokens_log = col;
    });
    const out = join(root, "model-inf");
    const msg = await expectApiRefusal(train({ data, algo: "awr", epochs: 1, out }), "INVALID_FILE", out);
    expect(msg).toMatch(
      /column 'f_item_tokens_log' in '.*decisions\/part-00000\.parquet': 2 of \d+ values are NaN or infinite \(first at row 4: Infinity\)/,
    );
  });
});

describe("cost per completed task with no completed task", () => {
  it("is said in words, never $Infinity", async () => {
    expect(costPerCompletedText(Infinity)).toBe("no completed task");
    expect(costPerCompletedText(0.01234)).toBe("$0.0123");
    const hopeless = join(root, "hopeless.json");
    writeFileSync(
      hopeless,
      JSON.stringify({
        name: "hopeless",
        baseSkill: -40,
        contextBudget: 1000,
        distraction: 1,
        utilization: 0,
        verification: 0,
        authoring: { rate: 0.5, genericRate: 0.5, meanTokens: 300, errorRate: 0.5 },
      }),
    );
    const r = await runCli([
      "collect",
      "--world",
      "tiny",
      "--executors",
      hopeless,
      "--streams",
      "1",
      "--tasks",
      "20",
      "--out",
      join(root, "none-done"),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("success 0.0%, no completed task");
    expect(r.stdout).not.toMatch(/Infinity/);
  });
});
