import type { CommandModule } from "yargs";
import { exportLibrary, NATIVE_FORMATS } from "../../library/native.js";
import { z } from "zod";
import { emit, type GlobalArgs } from "../output.js";
import { flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";

export const ExportLibraryFlagsSchema = z
  .object({
    format: z.enum(NATIVE_FORMATS).describe("ace: playbook .txt; voyager: skill folder; dc: cheatsheet .txt"),
    from: z.string().min(1).describe("a 'curator decide --out' folder, or a library .jsonl file"),
    out: z.string().min(1).describe("file (ace, dc) or folder (voyager) to write; must be absent or empty"),
    library: z
      .string()
      .min(1)
      .optional()
      .describe("which library to write when the items belong to several (their 'library' field)"),
  })
  .strict();

export const EXPORT_LIBRARY_FLAGS: FlagTable<typeof ExportLibraryFlagsSchema> = {
  format: { demand: true },
  from: { demand: true },
  out: { demand: true },
  library: {},
};

export const exportLibraryCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "export-library",
  describe:
    "write a curated library back in a source's native format (ACE playbook, Voyager skill folder, Dynamic Cheatsheet)",
  builder: (y) =>
    withFlags(y, flagsFromSchema(ExportLibraryFlagsSchema, EXPORT_LIBRARY_FLAGS))
      .example("curator export-library --format ace --from curated/ --out playbook.txt", "the curated ACE playbook")
      .example(
        "curator export-library --format voyager --from curated/ --library ckpt_llama --out ckpt_curated",
        "one Voyager checkpoint's skill folder",
      ),
  handler: async (args) => {
    const r = await exportLibrary(optionsFromFlags(ExportLibraryFlagsSchema, EXPORT_LIBRARY_FLAGS, args));
    const note =
      r.pending > 0
        ? ` ${r.pending} item(s) still carry a pending compress/rewrite and were written with their current text ('curator apply-pending' applies them).`
        : "";
    emit(
      args,
      r,
      `Wrote ${r.items} item(s)${r.library ? ` of library '${r.library}'` : ""} to ${r.out} as ${r.format}.${note}`,
    );
  },
};
