import type { CommandModule } from "yargs";
import { z } from "zod";
import { mergeShards, verifyShards } from "../../data/shards.js";
import { CuratorError } from "../../errors.js";
import { emit, type GlobalArgs } from "../output.js";
import {
  flagsFromSchema,
  optionsFromFlags,
  withFlags,
  withPositionals,
  type FlagArgs,
  type FlagTable,
} from "../flags.js";

export const DatasetFlagsSchema = z
  .object({
    action: z.enum(["verify", "merge"]).describe("verify: check the shards; merge: write them as one dataset"),
    dir: z.string().min(1).describe("folder holding the shard folders"),
    out: z.string().min(1).optional().describe("merge: dataset folder to write"),
  })
  .strict();

export const DATASET_FLAGS: FlagTable<typeof DatasetFlagsSchema> = {
  action: { positional: true },
  dir: { positional: true },
  out: {},
};

export const datasetCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "dataset <action> <dir>",
  describe: "verify a folder of shard folders (complete, consistent, hashes as recorded) or merge it into one dataset",
  builder: (y) =>
    withFlags(withPositionals(y, DatasetFlagsSchema, DATASET_FLAGS), flagsFromSchema(DatasetFlagsSchema, DATASET_FLAGS))
      .example(
        "curator dataset verify datasets/traces/big",
        "every shard present, one configuration, sha256 as recorded",
      )
      .example(
        "curator dataset merge datasets/traces/big --out datasets/traces/big-merged",
        "one dataset with one manifest",
      ),
  handler: async (args) => {
    const o = optionsFromFlags(DatasetFlagsSchema, DATASET_FLAGS, args);
    if (o.action === "verify") {
      const v = await verifyShards(o.dir);
      const { shards: _s, ...summary } = v;
      emit(
        args,
        { ...summary, folders: v.shards.map((s) => s.folder) },
        `${o.dir}: ${v.count} shards complete and consistent, ${v.streams} streams, ${v.tasks} tasks, ${v.decisions} decisions; every file's sha256 as recorded.`,
      );
      return;
    }
    if (!o.out)
      throw new CuratorError(
        "BAD_ARGUMENT",
        "curator dataset merge needs --out: the dataset folder to write, e.g. --out data/merged.",
      );
    const m = await mergeShards(o.dir, o.out);
    const { shards: _s, ...summary } = m;
    emit(
      args,
      summary,
      `Wrote ${m.out}: ${m.count} shards merged, ${m.streams} streams, ${m.tasks} tasks, ${m.decisions} decisions.`,
    );
  },
};
