import { describe, expect, it } from "vitest";
import { outOfDistribution, describeOod, OOD_THRESHOLD_STD } from "../../src/runtime/ood.js";
import { FEATURE_NAMES, NUM_FEATURES } from "../../src/features/featurizer.js";
import { CuratorRuntime } from "../../src/runtime/runtime.js";
import { readGraphNormalization } from "../../src/export/inspect.js";
import type { LibraryItem } from "../../src/schemas/item.js";

const MODEL = "models/default/curator.onnx";

describe("out-of-distribution warning", () => {
  it("names the features whose library mean lies ≥ 3 training std away, with the distance", () => {
    const mean = new Array(NUM_FEATURES).fill(0);
    const std = new Array(NUM_FEATURES).fill(1);
    const rows = 4;
    const f = new Float32Array(rows * NUM_FEATURES);
    for (let r = 0; r < rows; r++) {
      f[r * NUM_FEATURES + 2] = 5; // 5 std above
      f[r * NUM_FEATURES + 7] = r < 2 ? -8 : 0; // mean -4: 4 std below, half the items beyond 3 std
      f[r * NUM_FEATURES + 9] = 2.9; // inside
    }
    const ood = outOfDistribution(f, rows, { mean, std });
    expect(ood.map((o) => o.feature)).toEqual([FEATURE_NAMES[2], FEATURE_NAMES[7]]);
    expect(ood[0]).toMatchObject({ std: 5, libraryMean: 5, shareBeyond: 1 });
    expect(ood[1]).toMatchObject({ std: -4, shareBeyond: 0.5 });
    expect(describeOod(ood[1])).toBe(
      `${FEATURE_NAMES[7]} 4.0 std below training (library mean -4.00, training 0.00 ± 1.00; 50% of items beyond ${OOD_THRESHOLD_STD} std)`,
    );
  });

  it("decide with the shipped model reports a two-item library as far outside training, from the graph's own normalisation", async () => {
    const items: LibraryItem[] = [
      {
        id: "a",
        kind: "skill",
        content: "retry with backoff",
        stats: { createdAt: 0, timesRetrieved: 3, lastRetrievedAt: 9, successes: 2, failures: 1 },
      },
      { id: "b", kind: "context", content: "deploy v1" },
    ];
    const rt = await CuratorRuntime.create(MODEL);
    try {
      const r = await rt.decide(items, undefined, {
        executorStats: { successRate: 0.5, contextBudget: 4000, budgetUse: 0.3 },
      });
      const norm = readGraphNormalization(MODEL)!;
      const size = FEATURE_NAMES.indexOf("lib_size_log");
      const hit = r.outOfDistribution!.find((o) => o.feature === "lib_size_log")!;
      expect(hit.std).toBeCloseTo((Math.log1p(2) - norm.mean[size]) / norm.std[size], 4);
      expect(r.warnings.some((w) => w.startsWith("out of distribution: lib_size_log"))).toBe(true);
    } finally {
      await rt.dispose();
    }
  });
});
