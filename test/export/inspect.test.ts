import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/actions.js";
import { CuratorError } from "../../src/errors.js";
import { FEATURE_NAMES, FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { formatContract, readOnnxContract } from "../../src/export/inspect.js";
import { METADATA_KEYS } from "../../src/export/metadata.js";
import { exportToOnnx } from "../../src/export/onnx.js";
import { onnx } from "../../src/export/proto.js";
import { useBackend } from "../../src/train/tf.js";
import type { ModelCard } from "../../src/schemas/card.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";

let root: string;
let onnxPath: string;
let card: ModelCard;

function errorOf(fn: () => unknown): CuratorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CuratorError);
    return e as CuratorError;
  }
  throw new Error("expected a CuratorError");
}

/** Re-encodes the exported model after `edit`, into a new file. */
function edited(name: string, edit: (m: ReturnType<typeof onnx.ModelProto.decode>) => void): string {
  const m = onnx.ModelProto.decode(readFileSync(onnxPath));
  edit(m);
  const path = join(root, name);
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return path;
}

beforeAll(async () => {
  await useBackend("wasm");
  root = mkdtempSync(join(tmpdir(), "inspect-"));
  const tiny = await makeTinyModelDir(join(root, "model"), { hidden: [8], activation: "tanh", seed: 5 });
  tiny.model.dispose();
  card = tiny.card;
  onnxPath = join(root, "curator.onnx");
  await exportToOnnx(tiny.dir, onnxPath);
});

describe("readOnnxContract", () => {
  it("reads inputs, outputs, opset, IR version and the parsed metadata", () => {
    const c = readOnnxContract(onnxPath);
    expect(c.irVersion).toBe(8);
    expect(c.opset).toBe(17);
    expect(c.producer.name).toBe("curator-toolkit");
    expect(c.inputs).toEqual([
      { name: "features", type: "float32", shape: ["N", FEATURE_NAMES.length] },
      { name: "action_mask", type: "float32", shape: ["N", 4] },
    ]);
    expect(c.outputs).toEqual([{ name: "probs", type: "float32", shape: ["N", 4] }]);
    expect(c.metadata).toEqual({
      contractVersion: 1,
      featureNames: [...FEATURE_NAMES],
      actionNames: [...ACTIONS],
      featurizerVersion: FEATURIZER_VERSION,
      datasetHash: card.dataset.manifestHash,
      algorithm: "bc",
      seed: 5,
      toolkitVersion: card.toolkitVersion,
      gitCommit: card.gitCommit,
      architecture: { hidden: [8], activation: "tanh", dropout: 0 },
      executors: ["weak", "strong"],
      createdBy: "curator-toolkit",
    });
    expect(Object.keys(c.rawMetadata)).toEqual([...METADATA_KEYS]);
    expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = formatContract(c);
    expect(text).toContain("features       float32 [N, 22]".replace("22", String(FEATURE_NAMES.length)));
    expect(text).toContain(FEATURE_NAMES[FEATURE_NAMES.length - 1]);
  });

  it("names the file when it is not ONNX", () => {
    for (const [name, bytes] of [
      ["card.json", Buffer.from(JSON.stringify(card))],
      ["empty.onnx", Buffer.alloc(0)],
      ["noise.onnx", Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 97 + 13) % 256))],
    ] as const) {
      const path = join(root, name);
      writeFileSync(path, bytes);
      const e = errorOf(() => readOnnxContract(path));
      expect(e.code).toBe("INVALID_FILE");
      expect(e.message).toContain(`'${path}' is not an ONNX model`);
    }
  });

  it("reports a missing file", () => {
    expect(errorOf(() => readOnnxContract(join(root, "nope.onnx"))).code).toBe("FILE_NOT_FOUND");
  });

  it("names every missing metadata key at once", () => {
    const path = edited("no-meta.onnx", (m) => {
      m.metadataProps = m.metadataProps.filter((p) => p.key !== "feature_names" && p.key !== "seed");
    });
    const e = errorOf(() => readOnnxContract(path));
    expect(e.message).toContain(`'${path}'`);
    expect(e.message).toMatch(/lack feature_names, seed\b/);
  });

  it("rejects malformed metadata values, naming the key", () => {
    const path = edited("bad-meta.onnx", (m) => {
      m.metadataProps.find((p) => p.key === "feature_names")!.value = "[not json";
    });
    expect(errorOf(() => readOnnxContract(path)).message).toMatch(/feature_names: is not valid JSON/);
  });

  it("refuses another contract version", () => {
    const path = edited("v9.onnx", (m) => {
      m.metadataProps.find((p) => p.key === "curator_contract_version")!.value = "9";
    });
    expect(errorOf(() => readOnnxContract(path)).code).toBe("VERSION_MISMATCH");
  });

  it("refuses inputs that break the contract, naming the tensor", () => {
    const renamed = edited("renamed.onnx", (m) => {
      m.graph!.input![1].name = "mask";
    });
    expect(errorOf(() => readOnnxContract(renamed)).message).toMatch(
      /input 'action_mask' should be float32 \[N, 4\], found no such input/,
    );
    const short = edited("short.onnx", (m) => {
      m.metadataProps.find((p) => p.key === "feature_names")!.value = JSON.stringify(["only_one"]);
    });
    expect(errorOf(() => readOnnxContract(short)).message).toMatch(
      /input 'features' should be float32 \[N, 1\], found float32 \[N, \d+\]/,
    );
  });
});
