import type { CommandModule } from "yargs";
import { exportLibrary, NATIVE_FORMATS, type NativeFormat } from "../../library/native.js";
import { emit, type GlobalArgs } from "../output.js";

interface ExportLibraryArgs extends GlobalArgs {
  format: string;
  from: string;
  out: string;
  library?: string;
}

export const exportLibraryCommand: CommandModule<GlobalArgs, ExportLibraryArgs> = {
  command: "export-library",
  describe: "write a curated library back in a source's native format (ACE playbook, Voyager skill folder, Dynamic Cheatsheet)",
  builder: (y) =>
    y
      .option("format", { type: "string", choices: NATIVE_FORMATS, demandOption: true, describe: "ace: playbook .txt; voyager: skill folder; dc: cheatsheet .txt" })
      .option("from", { type: "string", demandOption: true, describe: "a 'curator decide --out' folder, or a library .jsonl file" })
      .option("out", { type: "string", demandOption: true, describe: "file (ace, dc) or folder (voyager) to write; must be absent or empty" })
      .option("library", { type: "string", describe: "which library to write when the items belong to several (their 'library' field)" })
      .example("curator export-library --format ace --from curated/ --out playbook.txt", "the curated ACE playbook")
      .example("curator export-library --format voyager --from curated/ --library ckpt_llama --out ckpt_curated", "one Voyager checkpoint's skill folder"),
  handler: async (args) => {
    const r = await exportLibrary({ format: args.format as NativeFormat, from: args.from, out: args.out, library: args.library });
    const note = r.pending > 0 ? ` ${r.pending} item(s) still carry a pending compress/rewrite and were written with their current text ('curator apply-pending' applies them).` : "";
    emit(args, r, `Wrote ${r.items} item(s)${r.library ? ` of library '${r.library}'` : ""} to ${r.out} as ${r.format}.${note}`);
  },
};
