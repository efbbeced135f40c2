import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NUM_ACTIONS } from "../../src/actions.js";
import { exportToOnnx } from "../../src/export/onnx.js";
import { IR_VERSION, TARGET_OPSET } from "../../src/export/policy.js";
import { onnx } from "../../src/export/proto.js";
import type { TestVectors } from "../../src/export/vectors.js";
import { predictProbs } from "../../src/train/model.js";
import { useBackend } from "../../src/train/tf.js";
import { Rng } from "../../src/util/rng.js";
import { makeTinyModelDir, type TinyModel, type TinyModelOptions } from "../helpers/tiny-model.js";
import { maxAbsDiff, runDebianChecker, runOrt } from "./support.js";

const ROWS = 12_000;

/**
 * Random raw features: a third near the mean (± 3 std), a third far out (± 30 std), a third very far out
 * (± 100 std), scaled by `spread`; random masks with at least one allowed action (every 4th row all allowed).
 */
function randomBatch(model: TinyModel, seed: number, spread = 1): { x: Float32Array; mask: Float32Array } {
  const { mean, std } = model.card.normalization;
  const f = mean.length;
  const rng = new Rng(seed);
  const x = new Float32Array(ROWS * f);
  const mask = new Float32Array(ROWS * NUM_ACTIONS);
  for (let r = 0; r < ROWS; r++) {
    const width = spread * [3, 30, 100][r % 3];
    for (let j = 0; j < f; j++) x[r * f + j] = mean[j] + std[j] * rng.uniform(-width, width);
    let any = false;
    for (let a = 0; a < NUM_ACTIONS; a++) {
      const on = r % 4 === 0 || rng.bernoulli(0.6);
      mask[r * NUM_ACTIONS + a] = on ? 1 : 0;
      any ||= on;
    }
    if (!any) mask[r * NUM_ACTIONS + rng.int(NUM_ACTIONS)] = 1;
  }
  return { x, mask };
}

async function compare(tiny: TinyModel, out: string, batch: { x: Float32Array; mask: Float32Array }) {
  const f = tiny.card.featureNames.length;
  const want = predictProbs(tiny.model, tiny.card.normalization, batch.x, batch.mask, ROWS);
  const got = await runOrt(
    out,
    { features: [batch.x, [ROWS, f]], action_mask: [batch.mask, [ROWS, NUM_ACTIONS]] },
    "probs",
  );
  let maxMasked = 0;
  for (let i = 0; i < got.length; i++) if (batch.mask[i] === 0) maxMasked = Math.max(maxMasked, got[i]);
  let maxSumError = 0;
  for (let r = 0; r < ROWS; r++)
    maxSumError = Math.max(maxSumError, Math.abs(got[r * 4] + got[r * 4 + 1] + got[r * 4 + 2] + got[r * 4 + 3] - 1));
  return { diff: maxAbsDiff(got, want), maxMasked, maxSumError };
}

const ARCHS: [string, TinyModelOptions][] = [
  ["relu [16, 8]", { hidden: [16, 8], activation: "relu", seed: 1 }],
  ["tanh [32] with dropout", { hidden: [32], activation: "tanh", dropout: 0.2, seed: 2 }],
  ["elu [8, 8, 8] with dropout", { hidden: [8, 8, 8], activation: "elu", dropout: 0.1, seed: 3 }],
  ["linear (no hidden layer)", { hidden: [], seed: 4 }],
];

const measured: string[] = [];

beforeAll(async () => {
  await useBackend("wasm");
});

afterAll(() => {
  console.log(`whole-model parity over ${ROWS} rows:\n  ${measured.join("\n  ")}`);
});

describe.each(ARCHS)("exported curator model: %s", (name, opts) => {
  let tiny: TinyModel;
  let out: string;
  let result: Awaited<ReturnType<typeof exportToOnnx>>;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), "onnx-"));
    tiny = await makeTinyModelDir(join(root, "model"), opts);
    out = join(root, "out", "curator.onnx");
    result = await exportToOnnx(tiny.dir, out);
  });

  afterAll(() => tiny.model.dispose());

  it("reports the contract versions and writes vectors beside the model", () => {
    expect(result.opset).toBe(TARGET_OPSET);
    expect(result.irVersion).toBe(IR_VERSION);
    expect(result.vectorsPath).toBe(join(out, "..", "curator.vectors.json"));
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it(`matches tfjs within 1e-5 on ${ROWS} random rows, masked actions get probability 0`, async () => {
    const { diff, maxMasked, maxSumError } = await compare(tiny, out, randomBatch(tiny, 99));
    measured.push(`${name}: max abs diff ${diff.toExponential(2)} (features within ±100 std)`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(maxMasked).toBe(0);
    expect(maxSumError).toBeLessThan(1e-5);
  });

  // At ±1000 std, logits reach thousands and float32 summation order (XNNPACK vs MLAS) alone moves near-tie
  // probabilities by a few 1e-5; no float32 engine pair can hold 1e-5 there. Masks must still be exact.
  it("stays finite, masked and close (≤ 1e-4) even at ±1000 std", async () => {
    const { diff, maxMasked, maxSumError } = await compare(tiny, out, randomBatch(tiny, 7, 10));
    measured.push(`${name}: max abs diff ${diff.toExponential(2)} (features within ±1000 std)`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(maxMasked).toBe(0);
    expect(maxSumError).toBeLessThan(1e-5);
  });

  it("normalises with Sub/Div and computes the mask penalty with one Gemm", () => {
    const graph = onnx.ModelProto.decode(readFileSync(out)).graph!;
    const act = { relu: "Relu", tanh: "Tanh", elu: "Elu" }[opts.activation ?? "relu"];
    const hidden = (opts.hidden ?? []).flatMap(() => ["Gemm", act]);
    expect(graph.node!.map((n) => n.opType)).toEqual(["Sub", "Div", ...hidden, "Gemm", "Gemm", "Add", "Softmax"]);
    expect(graph.node![0].input![0]).toBe("features");
    const mask = graph.node!.find((n) => n.input![0] === "action_mask")!;
    expect(mask.opType).toBe("Gemm");
    expect(graph.node!.find((n) => n.opType === "Add")!.input).toContain(mask.output![0]);
  });

  it("passes Debian's onnx checker with full check and strict shape inference", () => {
    expect(runDebianChecker(out)).toMatch(/^ok/);
  });

  it("has ≥ 32 test vectors, incl. masked and keep-only rows, that onnxruntime reproduces", async () => {
    const v = JSON.parse(readFileSync(result.vectorsPath, "utf8")) as TestVectors;
    const n = v.inputs.features.length;
    expect(n).toBeGreaterThanOrEqual(32);
    expect(v.inputs.action_mask).toHaveLength(n);
    expect(v.outputs.probs).toHaveLength(n);
    expect(v.inputs.action_mask.some((m) => m.includes(0))).toBe(true);
    expect(v.inputs.action_mask.some((m) => m.join() === "1,0,0,0")).toBe(true);
    expect(v.model_sha256).toBe(result.sha256);
    const f = tiny.card.featureNames.length;
    const got = await runOrt(
      out,
      {
        features: [Float32Array.from(v.inputs.features.flat()), [n, f]],
        action_mask: [Float32Array.from(v.inputs.action_mask.flat()), [n, NUM_ACTIONS]],
      },
      "probs",
    );
    expect(maxAbsDiff(got, v.outputs.probs.flat())).toBeLessThanOrEqual(1e-5);
    v.inputs.action_mask.forEach((m, r) =>
      m.forEach((on, a) => on === 0 && expect(v.outputs.probs[r][a]).toBeLessThan(1e-6)),
    );
    v.inputs.action_mask
      .map((m, r) => [m.join(), r] as const)
      .filter(([m]) => m === "1,0,0,0")
      .forEach(([, r]) => expect(v.outputs.probs[r][0]).toBeCloseTo(1, 6));
  });

  it("gives the same bytes when the same model is exported again", async () => {
    const again = join(mkdtempSync(join(tmpdir(), "onnx-again-")), "other-name.onnx");
    const second = await exportToOnnx(tiny.dir, again);
    expect(second.sha256).toBe(result.sha256);
    expect(Buffer.compare(readFileSync(again), readFileSync(out))).toBe(0);
    expect(readFileSync(second.vectorsPath, "utf8")).toBe(readFileSync(result.vectorsPath, "utf8"));
  });
});
