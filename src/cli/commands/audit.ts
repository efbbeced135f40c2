import type { Argv, CommandModule } from "yargs";
import { resolve } from "node:path";
import { z } from "zod";
import { verifyFolder } from "../../library/verify.js";
import { describeSwapLeftovers } from "../../util/swap.js";
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

export const VerifyFlagsSchema = z
  .object({
    dir: z.string().min(1).describe("folder written by 'curator decide --out'"),
    expectHead: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "a head hash is 64 hex digits")
      .optional()
      .describe(
        "head hash recorded outside the folder (printed by an earlier verify or decide): detects a rewritten log + head",
      ),
  })
  .strict();

export const VERIFY_FLAGS: FlagTable<typeof VerifyFlagsSchema> = { dir: { positional: true }, expectHead: {} };

const verifyCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "verify <dir>",
  describe:
    "replay the audit log (hash chain + item hashes) and check that live, archive and governance match it; exits 2 naming what differs",
  builder: (y) =>
    withFlags(withPositionals(y, VerifyFlagsSchema, VERIFY_FLAGS), flagsFromSchema(VerifyFlagsSchema, VERIFY_FLAGS))
      .example("curator audit verify curated/", "replay the log against live + archive")
      .example(
        "curator audit verify curated/ --expect-head HASH",
        "also anchor the head to a hash kept outside the folder",
      ),
  handler: (args) => {
    // Verify changes nothing, so an interrupted write is reported, not repaired: the next decide/restore recovers it.
    const o = optionsFromFlags(VerifyFlagsSchema, VERIFY_FLAGS, args);
    const leftovers = describeSwapLeftovers(resolve(o.dir));
    if (leftovers)
      throw new CuratorError(
        "TAMPERED",
        `Cannot verify ${o.dir} as it stands. ${leftovers} Run 'curator restore' or 'curator decide' on it (or verify again once the writer finished). Nothing was changed.`,
      );
    const r = verifyFolder(o.dir, o.expectHead);
    emit(
      args,
      { ok: true, dir: o.dir, lines: r.lines, head: r.head, live: r.live, archived: r.archived },
      `OK: ${o.dir} audit log verifies (${r.lines} lines); live ${r.live} and archived ${r.archived} items match it.\nhead ${r.head.hash}  (keep it outside the folder; check later with --expect-head)`,
    );
  },
};

export const auditCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: "audit <command>",
  describe: "check the append-only, hash-chained audit log of a decide output folder",
  builder: (y: Argv<GlobalArgs>) => y.command(verifyCommand as never).demandCommand(1, "Name a subcommand: verify."),
  handler: () => {},
};
