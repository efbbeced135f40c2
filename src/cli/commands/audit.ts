import type { Argv, CommandModule } from "yargs";
import { resolve } from "node:path";
import { verifyFolder } from "../../library/verify.js";
import { describeSwapLeftovers } from "../../util/swap.js";
import { CuratorError } from "../../errors.js";
import { emit, type GlobalArgs } from "../output.js";

interface VerifyArgs extends GlobalArgs {
  dir: string;
  "expect-head"?: string;
}

const verifyCommand: CommandModule<GlobalArgs, VerifyArgs> = {
  command: "verify <dir>",
  describe: "replay the audit log (hash chain + item hashes) and check that live, archive and governance match it; exits 2 naming what differs",
  builder: (y) =>
    y
      .positional("dir", { type: "string", demandOption: true, describe: "folder written by 'curator decide --out'" })
      .option("expect-head", { type: "string", describe: "head hash recorded outside the folder (printed by an earlier verify or decide): detects a rewritten log + head" }),
  handler: (args) => {
    // Verify changes nothing, so an interrupted write is reported, not repaired: the next decide/restore recovers it.
    const leftovers = describeSwapLeftovers(resolve(args.dir));
    if (leftovers) throw new CuratorError("TAMPERED", `Cannot verify ${args.dir} as it stands. ${leftovers} Run 'curator restore' or 'curator decide' on it (or verify again once the writer finished). Nothing was changed.`);
    const r = verifyFolder(args.dir, args["expect-head"]);
    emit(
      args,
      { ok: true, dir: args.dir, lines: r.lines, head: r.head, live: r.live, archived: r.archived },
      `OK: ${args.dir} audit log verifies (${r.lines} lines); live ${r.live} and archived ${r.archived} items match it.\nhead ${r.head.hash}  (keep it outside the folder; check later with --expect-head)`,
    );
  },
};

export const auditCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "audit <command>",
  describe: "check the append-only, hash-chained audit log of a decide output folder",
  builder: (y: Argv<GlobalArgs>) => y.command(verifyCommand as never).demandCommand(1, "Name a subcommand: verify."),
  handler: () => {},
};
