/**
 * Flags come from the schemas (issue 14): every field of an options schema is a flag or deliberately absent,
 * every flag has a description and shows the schema's default, and a bad value is refused naming the flag.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flagsFromSchema, optionsFromFlags, type FlagTable } from "../../src/cli/flags.js";
import { COLLECT_FLAGS } from "../../src/cli/commands/collect.js";
import { TRAIN_FLAGS } from "../../src/cli/commands/train.js";
import { EVAL_FLAGS, REPLAY_FLAGS } from "../../src/cli/commands/eval.js";
import { CollectFieldsSchema } from "../../src/collect/options.js";
import { TrainOptionsSchema } from "../../src/train/options.js";
import { EvalOptionsSchema } from "../../src/eval/evaluate.js";
import { ReplayOptionsSchema } from "../../src/eval/replay.js";
import { isCuratorError } from "../../src/errors.js";
import { DECIDE_FLAGS } from "../../src/cli/commands/decide.js";
import { DecideFlagsSchema } from "../../src/library/curate-options.js";
import { APPLY_PENDING_FLAGS, ApplyPendingFlagsSchema } from "../../src/cli/commands/apply-pending.js";
import { EXPORT_LIBRARY_FLAGS, ExportLibraryFlagsSchema } from "../../src/cli/commands/export-library.js";
import { EXPORT_FLAGS, ExportFlagsSchema } from "../../src/cli/commands/export.js";
import { IMPORT_FLAGS, ImportFlagsSchema } from "../../src/cli/commands/import.js";
import { RESTORE_FLAGS, RestoreFlagsSchema } from "../../src/cli/commands/restore.js";
import { VERIFY_FLAGS, VerifyFlagsSchema } from "../../src/cli/commands/audit.js";
import { DATASET_FLAGS, DatasetFlagsSchema } from "../../src/cli/commands/dataset.js";
import { OPE_FLAGS } from "../../src/cli/commands/ope.js";
import { OpeOptionsSchema } from "../../src/ope/ope.js";

const TABLES: [string, z.ZodObject, Record<string, unknown>][] = [
  ["collect", CollectFieldsSchema, COLLECT_FLAGS],
  ["train", TrainOptionsSchema, TRAIN_FLAGS],
  ["eval", EvalOptionsSchema, EVAL_FLAGS],
  ["ope", OpeOptionsSchema, OPE_FLAGS],
  ["eval --replay", ReplayOptionsSchema, REPLAY_FLAGS],
  ["decide", DecideFlagsSchema, DECIDE_FLAGS],
  ["apply-pending", ApplyPendingFlagsSchema, APPLY_PENDING_FLAGS],
  ["export-library", ExportLibraryFlagsSchema, EXPORT_LIBRARY_FLAGS],
  ["export", ExportFlagsSchema, EXPORT_FLAGS],
  ["import", ImportFlagsSchema, IMPORT_FLAGS],
  ["restore", RestoreFlagsSchema, RESTORE_FLAGS],
  ["audit verify", VerifyFlagsSchema, VERIFY_FLAGS],
  ["dataset", DatasetFlagsSchema, DATASET_FLAGS],
];

/** The schema fields the table does not account for (neither a flag nor marked absent). */
function unaccounted(schema: z.ZodObject, table: Record<string, unknown>): string[] {
  return Object.keys(schema.shape).filter((k) => !(k in table));
}

describe("flags from schemas", () => {
  it.each(TABLES)(
    "%s: every schema field is a flag or deliberately absent, and every flag is described",
    (_name, schema, table) => {
      expect(unaccounted(schema, table)).toEqual([]);
      expect(Object.keys(table).filter((k) => !(k in schema.shape))).toEqual([]);
      const flags = flagsFromSchema(schema, table as FlagTable<typeof schema>);
      for (const [flag, o] of Object.entries(flags)) expect(o.describe, `--${flag}`).toMatch(/\w{3}/);
    },
  );

  it("the check fails when a schema gains a field the table does not list", () => {
    const grown = CollectFieldsSchema.extend({ newKnob: z.number().default(1).describe("a new knob") });
    expect(unaccounted(grown, COLLECT_FLAGS)).toEqual(["newKnob"]);
  });

  it("type, default and description are read from the schema", () => {
    const flags = flagsFromSchema(TrainOptionsSchema, TRAIN_FLAGS);
    expect(flags["batch-size"]).toMatchObject({
      type: "number",
      defaultDescription: "256",
      describe: "rows per gradient step",
    });
    expect(flags.lr).toMatchObject({ type: "number", defaultDescription: "0.002", describe: "Adam learning rate" });
    expect(flags.hidden).toMatchObject({ type: "string", defaultDescription: "64,64" });
    expect(flags.backend.describe).toContain("[one of: wasm, cpu, node]");
    expect(flagsFromSchema(CollectFieldsSchema, COLLECT_FLAGS).streams).toMatchObject({ defaultDescription: "16" });
  });

  it("a value the schema refuses is a BAD_ARGUMENT naming the flag, the value and how to fix it", () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isCuratorError(e) && e.code).toBe("BAD_ARGUMENT");
        return (e as Error).message;
      }
      throw new Error("not refused");
    };
    const train = { data: "d", algo: "bc", out: "o" };
    expect(refusal(() => optionsFromFlags(TrainOptionsSchema, TRAIN_FLAGS, { ...train, hidden: "64,x" }))).toMatch(
      /^--hidden '64,x' \(item 2\): .*e\.g\. --hidden 64,64/,
    );
    expect(refusal(() => optionsFromFlags(TrainOptionsSchema, TRAIN_FLAGS, { ...train, algo: "ppo" }))).toMatch(
      /--algo 'ppo'.*bc, awr, grpo/,
    );
    expect(refusal(() => optionsFromFlags(TrainOptionsSchema, TRAIN_FLAGS, { ...train, "batch-size": 0 }))).toMatch(
      /^--batch-size '0'/,
    );
    expect(
      refusal(() =>
        optionsFromFlags(EvalOptionsSchema, EVAL_FLAGS, { curators: "none", executors: "weak", seeds: "1,1" }),
      ),
    ).toMatch(/--seeds '1,1': lists a seed twice/);
    expect(
      refusal(() =>
        optionsFromFlags(DecideFlagsSchema, DECIDE_FLAGS, { model: "heuristic", library: "l.jsonl", seed: -1 }),
      ),
    ).toMatch(/^--seed '-1'/);
    expect(
      refusal(() => optionsFromFlags(ImportFlagsSchema, IMPORT_FLAGS, { format: "notes", path: "p", out: "o" })),
    ).toMatch(/^--format 'notes'.*voyager/);
    expect(
      refusal(() => optionsFromFlags(VerifyFlagsSchema, VERIFY_FLAGS, { dir: "d", "expect-head": "abc" })),
    ).toMatch(/^--expect-head 'abc': a head hash is 64 hex digits/);
    expect(
      optionsFromFlags(ApplyPendingFlagsSchema, APPLY_PENDING_FLAGS, { from: "f", endpoint: "e.json", only: "a, b" }),
    ).toEqual({ from: "f", endpoint: "e.json", only: ["a", "b"] });
    expect(optionsFromFlags(TrainOptionsSchema, TRAIN_FLAGS, { ...train, "batch-size": 64 })).toMatchObject({
      batchSize: 64,
      hidden: [64, 64],
      epochs: 40,
    });
  });
});
