import type { CommandModule } from "yargs";
import { mergeShards, verifyShards } from "../../data/shards.js";
import { CuratorError } from "../../errors.js";
import { emit, type GlobalArgs } from "../output.js";

interface Args extends GlobalArgs {
  action: "verify" | "merge";
  dir: string;
  out?: string;
}

export const datasetCommand: CommandModule<GlobalArgs, Args> = {
  command: "dataset <action> <dir>",
  describe: "verify a folder of shard folders (complete, consistent, hashes as recorded) or merge it into one dataset",
  builder: (y) =>
    y
      .positional("action", { choices: ["verify", "merge"] as const, demandOption: true })
      .positional("dir", { type: "string", demandOption: true, describe: "folder holding the shard folders" })
      .option("out", { type: "string", describe: "merge: dataset folder to write" }),
  handler: async (args) => {
    if (args.action === "verify") {
      const v = await verifyShards(args.dir);
      const { shards: _s, ...summary } = v;
      emit(args, { ...summary, folders: v.shards.map((s) => s.folder) }, `${args.dir}: ${v.count} shards complete and consistent, ${v.streams} streams, ${v.tasks} tasks, ${v.decisions} decisions; every file's sha256 as recorded.`);
      return;
    }
    if (!args.out) throw new CuratorError("BAD_ARGUMENT", "curator dataset merge needs --out: the dataset folder to write, e.g. --out data/merged.");
    const m = await mergeShards(args.dir, args.out);
    const { shards: _s, ...summary } = m;
    emit(args, summary, `Wrote ${m.out}: ${m.count} shards merged, ${m.streams} streams, ${m.tasks} tasks, ${m.decisions} decisions.`);
  },
};
