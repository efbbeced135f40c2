import type { Argv, CommandModule } from "yargs";
import { tamperedError, verifyAuditDir } from "../../governance/audit.js";
import { emit, type GlobalArgs } from "../output.js";

interface VerifyArgs extends GlobalArgs {
  dir: string;
}

const verifyCommand: CommandModule<GlobalArgs, VerifyArgs> = {
  command: "verify <dir>",
  describe: "recompute the audit log's hash chain; exits 2 naming the first bad line",
  builder: (y) => y.positional("dir", { type: "string", demandOption: true, describe: "folder written by 'curator decide --out'" }),
  handler: (args) => {
    const r = verifyAuditDir(args.dir);
    if (!r.ok) throw tamperedError(args.dir, r);
    emit(args, { ok: true, dir: args.dir, lines: r.lines, head: r.head }, `OK: ${args.dir} audit log verifies (${r.lines} lines).`);
  },
};

export const auditCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "audit <command>",
  describe: "check the append-only, hash-chained audit log of a decide output folder",
  builder: (y: Argv<GlobalArgs>) => y.command(verifyCommand as never).demandCommand(1, "Name a subcommand: verify."),
  handler: () => {},
};
