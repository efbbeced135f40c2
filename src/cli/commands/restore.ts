import type { CommandModule } from "yargs";
import { z } from "zod";
import { restoreItem } from "../../library/apply.js";
import { emit, type GlobalArgs } from "../output.js";
import {
  flagsFromSchema,
  optionsFromFlags,
  withFlags,
  withPositionals,
  type FlagArgs,
  type FlagTable,
} from "../flags.js";
import { recoverOutput } from "../../util/atomic.js";

export const RestoreFlagsSchema = z
  .object({
    id: z.string().min(1).describe("id of the archived item"),
    from: z.string().min(1).describe("folder written by 'curator decide --out'"),
  })
  .strict();

export const RESTORE_FLAGS: FlagTable<typeof RestoreFlagsSchema> = { id: { positional: true }, from: { demand: true } };

export const restoreCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "restore <id>",
  describe:
    "move an archived item back into the live library of a decide output folder (recorded in the audit log; later passes leave it alone until new evidence about it arrives)",
  builder: (y) =>
    withFlags(
      withPositionals(y, RestoreFlagsSchema, RESTORE_FLAGS),
      flagsFromSchema(RestoreFlagsSchema, RESTORE_FLAGS),
    ).example(
      "curator restore ckpt_llama/craftWoodenPickaxe --from curated/",
      "bring an archived item back (kept until new evidence arrives)",
    ),
  handler: async (args) => {
    const o = optionsFromFlags(RestoreFlagsSchema, RESTORE_FLAGS, args);
    recoverOutput(o.from);
    const r = await restoreItem(o.from, o.id);
    emit(
      args,
      { restored: o.id, from: o.from, auditLines: r.auditLines, head: r.head },
      `Restored '${o.id}' into ${o.from}/library.jsonl (audit log ${r.auditLines} lines, head ${r.head}).`,
    );
  },
};
