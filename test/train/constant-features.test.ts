/**
 * A feature constant in the training data (a counter one harness never fills: the endpoint harness records no
 * helpful / harmful flags) must not move decisions where it does vary. Its normalised value is 0 on every
 * training row, so its first-layer weights never get a gradient; left at their random initial values they
 * steered an endpoint-trained curator wherever the simulator filled the counter (issue 17). Zeroed, training
 * is unchanged and the input is inert; the card names such features.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { readDataset, writeDatasetFiles } from "../../src/data/dataset.js";
import { train } from "../../src/train/train.js";
import { FEATURE_NAMES, NUM_FEATURES } from "../../src/features/featurizer.js";
import { forwardFromFiles, readCard, readWeights } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "curator-constant-"));
const clean = join(root, "clean");
const HELPFUL = FEATURE_NAMES.indexOf("item_helpful_log");

beforeAll(async () => {
  await collect({ world: "tiny", executors: "weak,mid", streams: 3, tasks: 60, seed: 1, labels: "oracle", out: clean });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The clean dataset with the helpful counter zeroed, as a harness without reflection records it. */
async function withoutHelpful(): Promise<string> {
  const d = await readDataset(clean);
  const { files: _f, rows: _r, ...draft } = d.manifests[0];
  (d.decisions[`f_${FEATURE_NAMES[HELPFUL]}`] as Float32Array).fill(0);
  const dir = join(root, "no-helpful");
  mkdirSync(dir);
  const rows = (t: Record<string, unknown>) => (t.stream_id as ArrayLike<number>).length;
  writeDatasetFiles(dir, draft, {
    decisions: { columns: d.decisions as never, rows: rows(d.decisions) },
    tasks: { columns: d.tasks as never, rows: rows(d.tasks) },
  });
  return dir;
}

describe("features constant in training", () => {
  it("get zero first-layer weights and are named on the card; a varying feature keeps its weights", async () => {
    expect(HELPFUL).toBeGreaterThanOrEqual(0);
    const model = join(root, "m");
    await train({ data: await withoutHelpful(), algo: "bc", out: model, seed: 1, epochs: 3 });
    const card = readCard(model);
    expect(card.constantFeatures).toContain(FEATURE_NAMES[HELPFUL]);
    const kernel = readWeights(model).get("hidden_0/kernel")!;
    const units = kernel.shape[1];
    const row = (f: number) => Array.from(kernel.data.subarray(f * units, (f + 1) * units));
    expect(row(HELPFUL).every((w) => w === 0)).toBe(true);
    const varying = FEATURE_NAMES.findIndex((n) => !(card.constantFeatures ?? []).includes(n));
    expect(row(varying).some((w) => w !== 0)).toBe(true);

    // The decision on a row does not depend on the constant feature's value.
    const x = new Float32Array(NUM_FEATURES).fill(0.5);
    const y = Float32Array.from(x);
    y[HELPFUL] = 3;
    const masks = new Float32Array([1, 1, 1, 1]);
    expect(Array.from(forwardFromFiles(model, y, masks, 1))).toEqual(Array.from(forwardFromFiles(model, x, masks, 1)));
  });

  it("are not listed when every feature varies", async () => {
    const model = join(root, "clean-m");
    await train({ data: clean, algo: "bc", out: model, seed: 1, epochs: 2 });
    expect(readCard(model).constantFeatures ?? []).not.toContain(FEATURE_NAMES[HELPFUL]);
  });
});
