import type { CommandModule } from "yargs";
import { IMPORT_FORMATS, type ImportFormat } from "../../import/types.js";
import { importSource, parseFormat } from "../../import/run.js";
import { emit, type GlobalArgs } from "../output.js";

interface ImportArgs extends GlobalArgs {
  format: string;
  path: string;
  out: string;
}

export const importCommand: CommandModule<GlobalArgs, ImportArgs> = {
  command: "import <format> <path>",
  describe: "import a real agent library (skills / memory / playbook / trajectories) as library.jsonl + snapshots, events, replay labels",
  builder: (y) =>
    y
      .positional("format", { type: "string", choices: IMPORT_FORMATS as unknown as string[], demandOption: true, describe: "source format" })
      .positional("path", { type: "string", demandOption: true, describe: "file or folder to import" })
      .option("out", { type: "string", demandOption: true, describe: "output folder (new, empty, or an earlier import output; replaced atomically)" }),
  handler: async (args) => {
    const format: ImportFormat = parseFormat(args.format);
    const built = await importSource(format, args.path, args.out);
    const m = built.manifest;
    const skipped = Object.entries(m.skipped.byReason).map(([r, c]) => `  ${r}: ${c.count} (e.g. ${c.examples[0]})`);
    const repaired = Object.entries(m.repaired.byReason).map(([r, c]) => `  ${r}: ${c.count} (e.g. ${c.examples[0]})`);
    const human = [
      `Imported ${format} from ${args.path} into ${args.out}`,
      `  libraries ${m.counts.libraries}, items ${m.counts.items} (${m.counts.itemVersions} versions), snapshots ${m.counts.snapshots}, events ${m.counts.events}`,
      `  tokens counted with ${m.tokenEncoding}`,
      skipped.length ? `Skipped ${m.skipped.total}:\n${skipped.join("\n")}` : "Skipped nothing.",
      ...(repaired.length ? [`Repaired ${m.repaired.total}:\n${repaired.join("\n")}`] : []),
    ].join("\n");
    emit(args, { out: args.out, ...m }, human);
  },
};
