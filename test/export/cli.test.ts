import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "../../src/train/tf.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";
import { featureVectorsText } from "../../src/export/feature-vectors.js";

const CLI = ["--import", "tsx", join(process.cwd(), "src/cli/main.ts")];
let modelDir: string;

beforeAll(async () => {
  await useBackend("wasm");
  modelDir = (await makeTinyModelDir(join(mkdtempSync(join(tmpdir(), "cli-")), "model"), { hidden: [4] })).dir;
});

describe("curator export / inspect", () => {
  it("export --json writes the model and vectors; inspect --json reads them back", () => {
    const out = join(modelDir, "curator.onnx");
    const exported = JSON.parse(
      execFileSync("node", [...CLI, "export", "--model", modelDir, "--out", out, "--json"], { encoding: "utf8" }),
    );
    expect(exported).toMatchObject({
      path: out,
      vectorsPath: join(modelDir, "curator.vectors.json"),
      opset: 17,
      irVersion: 8,
    });
    expect(existsSync(exported.vectorsPath)).toBe(true);
    expect(exported.featuresPath).toBe(join(modelDir, "curator.features.json"));
    expect(readFileSync(exported.featuresPath, "utf8")).toBe(featureVectorsText());
    const inspected = JSON.parse(execFileSync("node", [...CLI, "inspect", out, "--json"], { encoding: "utf8" }));
    expect(inspected.sha256).toBe(exported.sha256);
    expect(inspected.metadata.algorithm).toBe("bc");
    const human = execFileSync("node", [...CLI, "inspect", out], { encoding: "utf8" });
    expect(human).toMatch(/IR version 8, opset 17/);
  });

  it("a file that is not ONNX exits 2 with a one-line error naming it, no stack trace", () => {
    const bogus = join(modelDir, "card.json");
    const r = spawnSync("node", [...CLI, "inspect", bogus], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`'${bogus}' is not an ONNX model`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a folder without a model exits 2 naming card.json", () => {
    const empty = mkdtempSync(join(tmpdir(), "cli-empty-"));
    writeFileSync(join(empty, "README"), "");
    const r = spawnSync("node", [...CLI, "export", "--model", empty], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/FILE_NOT_FOUND.*card\.json/);
  });
});
