import type { CommandModule } from "yargs";
import { z } from "zod";
import { IMPORT_FORMATS } from "../../import/types.js";
import { importSource } from "../../import/run.js";
import { emit, type GlobalArgs } from "../output.js";
import {
  flagsFromSchema,
  optionsFromFlags,
  withFlags,
  withPositionals,
  type FlagArgs,
  type FlagTable,
} from "../flags.js";

export const ImportFlagsSchema = z
  .object({
    format: z.enum(IMPORT_FORMATS).describe("source format"),
    path: z.string().min(1).describe("file or folder to import"),
    out: z.string().min(1).describe("output folder (new, empty, or an earlier import output; replaced atomically)"),
  })
  .strict();

export const IMPORT_FLAGS: FlagTable<typeof ImportFlagsSchema> = {
  format: { positional: true },
  path: { positional: true },
  out: { demand: true },
};

export const importCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "import <format> <path>",
  describe:
    "import a real agent library (skills / memory / playbook / trajectories) as library.jsonl + snapshots, events, replay labels",
  builder: (y) =>
    withFlags(withPositionals(y, ImportFlagsSchema, IMPORT_FLAGS), flagsFromSchema(ImportFlagsSchema, IMPORT_FLAGS))
      .example(
        "curator import voyager ../shared/data/real/voyager --out datasets/real/voyager",
        "skills, snapshots and events from Voyager checkpoints",
      )
      .example("curator import ace-playbook playbook.txt --out datasets/real/ace", "an ACE playbook as a library"),
  handler: async (args) => {
    const o = optionsFromFlags(ImportFlagsSchema, IMPORT_FLAGS, args);
    const built = await importSource(o.format, o.path, o.out);
    const m = built.manifest;
    const skipped = Object.entries(m.skipped.byReason).map(([r, c]) => `  ${r}: ${c.count} (e.g. ${c.examples[0]})`);
    const repaired = Object.entries(m.repaired.byReason).map(([r, c]) => `  ${r}: ${c.count} (e.g. ${c.examples[0]})`);
    const human = [
      `Imported ${o.format} from ${o.path} into ${o.out}`,
      `  libraries ${m.counts.libraries}, items ${m.counts.items} (${m.counts.itemVersions} versions), snapshots ${m.counts.snapshots}, events ${m.counts.events}`,
      `  tokens counted with ${m.tokenEncoding}`,
      skipped.length ? `Skipped ${m.skipped.total}:\n${skipped.join("\n")}` : "Skipped nothing.",
      ...(repaired.length ? [`Repaired ${m.repaired.total}:\n${repaired.join("\n")}`] : []),
    ].join("\n");
    emit(args, { out: o.out, ...m }, human);
  },
};
