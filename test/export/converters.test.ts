import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GraphBuilder, batchedFloat } from "../../src/export/graph.js";
import { convertLayers, readLayerSpecs } from "../../src/export/layers.js";
import { TARGET_OPSET } from "../../src/export/policy.js";
import { defaultRegistry } from "../../src/export/registry.js";
import { tf, useBackend } from "../../src/train/tf.js";
import { Rng } from "../../src/util/rng.js";
import { captureArtifacts, maxAbsDiff, runDebianChecker, runOrt } from "./support.js";

const IN = 6;
const ROWS = 512;

/** Converts a tfjs model to a bare ONNX graph x [N, IN] → y, runs both on the same seeded inputs. */
async function parity(model: tf.LayersModel, seed: number): Promise<{ diff: number; bytes: Uint8Array }> {
  const layers = readLayerSpecs(await captureArtifacts(model), "test");
  const g = new GraphBuilder();
  g.reserve("x");
  const out = convertLayers(layers, { name: "x", width: IN }, g, defaultRegistry());
  g.renameOutput(out.name, "y");
  const bytes = g.toBytes({
    graphName: "converter_test",
    inputs: [batchedFloat("x", IN)],
    outputs: [batchedFloat("y", out.width)],
    opset: TARGET_OPSET,
    producerVersion: "test",
  });
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: ROWS * IN }, () => rng.uniform(-4, 4));
  const want = tf.tidy(() => (model.predict(tf.tensor2d(x, [ROWS, IN])) as tf.Tensor).dataSync() as Float32Array);
  const got = await runOrt(bytes, { x: [x, [ROWS, IN]] }, "y");
  return { diff: maxAbsDiff(got, want), bytes };
}

function dense(units: number, extra: Partial<Parameters<typeof tf.layers.dense>[0]> = {}, first = false) {
  return tf.layers.dense({
    units,
    inputShape: first ? [IN] : undefined,
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 7 }),
    kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
    ...extra,
  });
}

beforeAll(async () => {
  await useBackend("wasm");
});

describe("per-converter parity (onnxruntime vs tfjs, ≤ 1e-5)", () => {
  const cases: [string, () => tf.LayersModel][] = [
    ["Dense linear", () => tf.sequential({ layers: [dense(5, {}, true)] })],
    ["Dense without bias", () => tf.sequential({ layers: [dense(5, { useBias: false }, true)] })],
    ...(["relu", "tanh", "elu", "sigmoid"] as const).map((act): [string, () => tf.LayersModel] => [
      `Dense + ${act}`,
      () => tf.sequential({ layers: [dense(7, { activation: act }, true)] }),
    ]),
    ...(["relu", "tanh", "elu", "sigmoid", "linear"] as const).map((act): [string, () => tf.LayersModel] => [
      `Activation ${act}`,
      () => tf.sequential({ layers: [dense(7, {}, true), tf.layers.activation({ activation: act })] }),
    ]),
    [
      "Dropout between Dense layers",
      () =>
        tf.sequential({ layers: [dense(8, { activation: "relu" }, true), tf.layers.dropout({ rate: 0.5 }), dense(4)] }),
    ],
    ["Dropout alone (identity)", () => tf.sequential({ layers: [tf.layers.dropout({ rate: 0.3, inputShape: [IN] })] })],
  ];

  it.each(cases)("%s", async (_name, make) => {
    const model = make();
    const { diff, bytes } = await parity(model, 11);
    model.dispose();
    expect(diff).toBeLessThanOrEqual(1e-5);
    const path = join(mkdtempSync(join(tmpdir(), "conv-")), "m.onnx");
    writeFileSync(path, bytes);
    expect(runDebianChecker(path)).toMatch(/^ok/);
  });

  it("Dropout adds no node and Dense adds exactly one Gemm", async () => {
    const model = tf.sequential({ layers: [dense(8, {}, true), tf.layers.dropout({ rate: 0.5 })] });
    const layers = readLayerSpecs(await captureArtifacts(model), "test");
    model.dispose();
    const g = new GraphBuilder();
    g.reserve("x");
    convertLayers(layers, { name: "x", width: IN }, g, defaultRegistry());
    expect(g.nodes.map((n) => n.opType)).toEqual(["Gemm"]);
  });
});
