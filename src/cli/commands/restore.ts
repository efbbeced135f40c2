import type { CommandModule } from "yargs";
import { restoreItem } from "../../library/apply.js";
import { emit, type GlobalArgs } from "../output.js";
import { recoverOutput } from "../../util/atomic.js";

interface RestoreArgs extends GlobalArgs {
  id: string;
  from: string;
}

export const restoreCommand: CommandModule<GlobalArgs, RestoreArgs> = {
  command: "restore <id>",
  describe: "move an archived item back into the live library of a decide output folder (recorded in the audit log; later passes leave it alone until new evidence about it arrives)",
  builder: (y) =>
    y
      .positional("id", { type: "string", demandOption: true, describe: "id of the archived item" })
      .option("from", { type: "string", demandOption: true, describe: "folder written by 'curator decide --out'" }),
  handler: async (args) => {
    recoverOutput(args.from);
    const r = await restoreItem(args.from, args.id);
    emit(
      args,
      { restored: args.id, from: args.from, auditLines: r.auditLines, head: r.head },
      `Restored '${args.id}' into ${args.from}/library.jsonl (audit log ${r.auditLines} lines, head ${r.head}).`,
    );
  },
};
