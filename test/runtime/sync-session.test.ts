/** The runtime's synchronous fast path calls onnxruntime's native session directly; it must exist and agree. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { exportToOnnx } from "../../src/export/onnx.js";
import { openSyncSession } from "../../src/runtime/sync-session.js";
import { useBackend } from "../../src/train/tf.js";
import { NUM_FEATURES } from "../../src/features/featurizer.js";
import { Rng } from "../../src/util/rng.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";

describe("openSyncSession", () => {
  it("opens the pinned onnxruntime-node's native session and returns the public API's outputs bit for bit", async () => {
    await useBackend("wasm");
    const dir = mkdtempSync(join(tmpdir(), "sync-session-"));
    const tiny = await makeTinyModelDir(join(dir, "model"), { hidden: [8], seed: 2 });
    const path = join(dir, "curator.onnx");
    await exportToOnnx(tiny.dir, path);
    tiny.model.dispose();

    const fast = openSyncSession(path, { intraOpNumThreads: 1 });
    expect(
      fast,
      "onnxruntime-node moved dist/binding.js: the runtime falls back to the slower async run",
    ).not.toBeNull();
    const pub = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
    const rng = new Rng([7]);
    const rows = 33;
    const feeds = {
      features: new ort.Tensor(
        "float32",
        Float32Array.from({ length: rows * NUM_FEATURES }, () => rng.normal() * 3),
        [rows, NUM_FEATURES],
      ),
      action_mask: new ort.Tensor(
        "float32",
        Float32Array.from({ length: rows * 4 }, (_, i) => (i % 4 === 0 || rng.next() < 0.7 ? 1 : 0)),
        [rows, 4],
      ),
    };
    const a = fast!.run(feeds, { probs: null }, {}).probs.data as Float32Array;
    const b = (await pub.run(feeds)).probs.data as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
    fast!.dispose();
    await pub.release();
  });

  it("returns null (the runtime then uses the public API) for a file onnxruntime cannot load", () => {
    expect(openSyncSession(join(tmpdir(), "no-such-model.onnx"), {})).toBeNull();
  });
});
