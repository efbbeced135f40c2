import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { denseConverter } from "../../src/export/converters/dense.js";
import { readLayerSpecs } from "../../src/export/layers.js";
import { buildCuratorOnnx, exportToOnnx } from "../../src/export/onnx.js";
import { ConverterRegistry, defaultRegistry } from "../../src/export/registry.js";
import { tf, useBackend } from "../../src/train/tf.js";
import { CuratorError } from "../../src/errors.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";
import { captureArtifacts } from "./support.js";

beforeAll(async () => {
  await useBackend("wasm");
});

describe("converter registry", () => {
  it("holds the built-in layer kinds", () => {
    expect(defaultRegistry().supported()).toEqual(["Activation", "Dense", "Dropout"]);
  });

  it("refuses to overwrite an entry", () => {
    const r = defaultRegistry();
    expect(() => r.register({ ...denseConverter, convert: (_l, x) => x })).toThrow(
      /already registered.*refuse to overwrite/,
    );
    expect(r.get("Dense")).toBe(denseConverter);
  });

  it("a fresh registry is independent of the default one", () => {
    const r = new ConverterRegistry().register(denseConverter);
    expect(r.supported()).toEqual(["Dense"]);
    expect(defaultRegistry().has("Dropout")).toBe(true);
  });

  it("an unsupported layer gets an error listing the supported kinds", async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.layerNormalization({})],
    });
    const layers = readLayerSpecs(await captureArtifacts(model), "models/x");
    model.dispose();
    const { card } = await makeTinyModelDir(mkdtempSync(join(tmpdir(), "reg-")), { featureNames: ["a", "b", "c"] });
    let err: unknown;
    try {
      buildCuratorOnnx(card, layers);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CuratorError);
    expect((err as CuratorError).code).toBe("UNSUPPORTED");
    expect((err as CuratorError).message).toMatch(/'LayerNormalization'.*Supported layers: Activation, Dense, Dropout/);
  });

  it("an unsupported activation names the layer and lists the supported activations", async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: "softplus", name: "soft" })],
    });
    const layers = readLayerSpecs(await captureArtifacts(model), "models/x");
    model.dispose();
    const { card } = await makeTinyModelDir(mkdtempSync(join(tmpdir(), "reg-")), { featureNames: ["a", "b", "c"] });
    expect(() => buildCuratorOnnx(card, layers)).toThrow(
      /Layer 'soft'.*'softplus'.*Supported activations: linear, relu, tanh, elu, sigmoid/,
    );
  });

  it("a model folder without card.json or with a bad card gets a clear error naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reg-"));
    await expect(exportToOnnx(dir, join(dir, "c.onnx"))).rejects.toThrow(/No model card at '.*card\.json'/);
    await makeTinyModelDir(dir);
    writeFileSync(join(dir, "card.json"), JSON.stringify({ cardSchemaVersion: 1, algorithm: 3 }));
    await expect(exportToOnnx(dir, join(dir, "c.onnx"))).rejects.toThrow(
      /card\.json' is not a valid model card: .*algorithm/,
    );
  });

  it("a card whose normalisation does not fit the features is refused, naming the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reg-"));
    await makeTinyModelDir(dir, { featureNames: ["a", "b"], normalization: { mean: [0, 0], std: [1, 0] } });
    await expect(exportToOnnx(dir, join(dir, "c.onnx"))).rejects.toThrow(/normalization \(feature 'b'\).*std > 0/);
  });

  it("a card whose featureNames do not fit the model's first layer is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reg-"));
    const { card } = await makeTinyModelDir(dir, { featureNames: ["a", "b", "c"] });
    const wrong = { ...card, featureNames: ["a", "b"], normalization: { mean: [0, 0], std: [1, 1] } };
    writeFileSync(join(dir, "card.json"), JSON.stringify(wrong));
    await expect(exportToOnnx(dir, join(dir, "c.onnx"))).rejects.toThrow(
      /lists 2 featureNames but the model's first layer takes 3 inputs/,
    );
  });
});
