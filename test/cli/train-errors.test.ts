/**
 * `curator train` refuses bad input the way issue 3 asks: exit 2, a clear message naming the file or value, no
 * stack trace, and no model folder (nor OUT.partial, nor temp folders) left behind.
 */
import { cpSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { train, type TrainOptions } from "../../src/train/train.js";
import { FEATURIZER_VERSION } from "../../src/features/featurizer.js";
import { DATASET_SCHEMA_VERSION } from "../../src/schemas/dataset.js";
import { expectApiRefusal, expectUserError, leftovers, runCli } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-train-errors-"));
const ds = {
  plain: join(root, "plain"),
  labelled: join(root, "labelled"),
  truncated: join(root, "truncated"),
  rehashed: join(root, "truncated-rehashed"),
  oldFeaturizer: join(root, "old-featurizer"),
  newSchema: join(root, "new-schema"),
};

function editManifest(dir: string, edit: (m: Record<string, any>) => void): void {
  const path = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(path, "utf8"));
  edit(m);
  writeFileSync(path, JSON.stringify(m, null, 2));
}

beforeAll(async () => {
  const base = { world: "tiny", executors: "weak,strong", streams: 2, tasks: 60, seed: 1 } as const;
  await collect({ ...base, out: ds.plain });
  await collect({ ...base, labels: "oracle", out: ds.labelled });
  for (const d of [ds.truncated, ds.rehashed, ds.oldFeaturizer, ds.newSchema])
    cpSync(ds.labelled, d, { recursive: true });
  for (const d of [ds.truncated, ds.rehashed]) {
    const file = join(d, "decisions/part-00000.parquet");
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
  }
  // the hash now matches the truncated bytes, so only the Parquet reader can notice
  const sha = createHash("sha256")
    .update(readFileSync(join(ds.rehashed, "decisions/part-00000.parquet")))
    .digest("hex");
  editManifest(ds.rehashed, (m) => (m.files["decisions/part-00000.parquet"].sha256 = sha));
  editManifest(ds.oldFeaturizer, (m) => (m.featurizerVersion = "obs-v0"));
  editManifest(ds.newSchema, (m) => (m.datasetSchemaVersion = DATASET_SCHEMA_VERSION + 1));
});

/** Runs `curator train` into a fresh --out and checks the user-error contract; returns the message. */
async function refusedByCli(name: string, args: string[], code: string): Promise<string> {
  const out = join(root, `model-${name}`);
  const r = await runCli(["train", ...args, "--epochs", "2", "--out", out]);
  const message = expectUserError(r, code);
  expect(leftovers(out)).toEqual([]);
  return message;
}

async function refusedByApi(name: string, opts: Omit<TrainOptions, "out">, code: string): Promise<string> {
  const out = join(root, `model-${name}`);
  return expectApiRefusal(train({ epochs: 2, ...opts, out }), code, out);
}

describe.concurrent("curator train: bad input (CLI)", () => {
  it("--data pointing at a missing folder names it", async () => {
    const missing = join(root, "no-such-dataset");
    expect(await refusedByCli("missing", ["--data", missing, "--algo", "awr"], "FILE_NOT_FOUND")).toContain(
      `'${missing}'`,
    );
  });

  it("a truncated Parquet file is named", async () => {
    const msg = await refusedByCli("truncated", ["--data", ds.truncated, "--algo", "bc"], "INVALID_FILE");
    expect(msg).toContain(join(ds.truncated, "decisions/part-00000.parquet"));
  });

  it("a featurizer version that does not match is refused naming both versions", async () => {
    const msg = await refusedByCli("featurizer", ["--data", ds.oldFeaturizer, "--algo", "bc"], "VERSION_MISMATCH");
    expect(msg).toContain('"obs-v0"');
    expect(msg).toContain(`"${FEATURIZER_VERSION}"`);
    expect(msg).toContain(join(ds.oldFeaturizer, "manifest.json"));
  });

  it("an unknown --algo is named, with the choices", async () => {
    const msg = await refusedByCli("algo", ["--data", ds.labelled, "--algo", "ppo"], "BAD_ARGUMENT");
    expect(msg).toContain("'ppo'");
    expect(msg).toMatch(/bc, awr, grpo/);
  });

  it.each(["grpo", "bc"])("--algo %s on a dataset without labels names the dataset and the fix", async (algo) => {
    const msg = await refusedByCli(`nolabels-${algo}`, ["--data", ds.plain, "--algo", algo], "BAD_ARGUMENT");
    expect(msg).toContain(ds.plain);
    expect(msg).toContain("--labels oracle");
  });
});

describe("train(): the variations, on the API", () => {
  it("a truncated Parquet file whose manifest hash was updated is still refused by the reader, naming it", async () => {
    const msg = await refusedByApi("rehashed", { data: ds.rehashed, algo: "bc" }, "INVALID_FILE");
    expect(msg).toContain(join(ds.rehashed, "decisions/part-00000.parquet"));
  });

  it("a dataset schema version that does not match is refused naming both versions", async () => {
    const msg = await refusedByApi("schema", { data: ds.newSchema, algo: "awr" }, "VERSION_MISMATCH");
    expect(msg).toContain(String(DATASET_SCHEMA_VERSION + 1));
    expect(msg).toContain(String(DATASET_SCHEMA_VERSION));
  });

  it("--data pointing at a file, or at a folder with no dataset, is refused", async () => {
    await refusedByApi("file", { data: join(ds.plain, "manifest.json"), algo: "awr" }, "FILE_NOT_FOUND");
    await refusedByApi("empty", { data: root + "/model-none", algo: "awr" }, "FILE_NOT_FOUND");
  });

  it("an unknown algorithm knob in --config is named", async () => {
    const msg = await refusedByApi(
      "config",
      { data: ds.labelled, algo: "bc", config: { temprature: 0.1 } },
      "INVALID_CONFIG",
    );
    expect(msg).toContain("temprature");
  });
});
