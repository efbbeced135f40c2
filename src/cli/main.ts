#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { isCuratorError } from "../errors.js";
import { COMMANDS } from "./commands/index.js";
import { TOOLKIT_VERSION } from "../version.js";
import { suggestFlags } from "./suggest.js";

/** With --json, an error is also a JSON object on stdout (`{"error": {"code", "message"}}`), so a script sees it. */
function reportError(json: boolean, code: string, message: string): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

/** The flags of the command on the command line (and the global ones), read from its yargs builder. */
function knownFlags(): string[] {
  const name = hideBin(process.argv).find((a) => !a.startsWith("-"));
  const c = COMMANDS.find((m) => String(m.command).split(" ")[0] === name);
  let y = yargs([]).option("json", {}).option("debug", {}).option("help", {});
  if (c && typeof c.builder === "function") y = c.builder(y as never) as never;
  return Object.keys((y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
}

async function main(): Promise<void> {
  const debug = process.argv.includes("--debug");
  const json = process.argv.includes("--json");
  let cli = yargs(hideBin(process.argv))
    .scriptName("curator")
    .usage(
      "$0 <command> [options]\n\nCollect, train, export, run and evaluate curators of agent skill/memory libraries.",
    )
    .option("json", { type: "boolean", default: false, describe: "print a machine-readable summary on stdout" })
    .option("debug", { type: "boolean", default: false, describe: "print stack traces for errors" })
    // This package's own version (yargs would otherwise read the package.json nearest the working directory).
    .version(TOOLKIT_VERSION)
    .demandCommand(1, "Name a command; see --help.")
    .strict()
    .recommendCommands()
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      const hints = suggestFlags(msg, knownFlags());
      process.stderr.write(`curator: ${msg}\n${hints.map((h) => `${h}\n`).join("")}Run 'curator --help' for usage.\n`);
      reportError(json, "BAD_ARGUMENT", [msg, ...hints].join(". "));
      process.exit(2);
    });
  for (const c of COMMANDS) cli = cli.command(c as never);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (isCuratorError(e)) {
      process.stderr.write(`curator: error [${e.code}]: ${e.message}\n`);
      reportError(json, e.code, e.message);
      if (debug) process.stderr.write(`${e.stack}\n`);
      process.exit(2);
    }
    process.stderr.write(`curator: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    reportError(json, "INTERNAL", (e as Error)?.message ?? String(e));
    if (debug) process.stderr.write(`${(e as Error)?.stack}\n`);
    else
      process.stderr.write(
        "This is a bug in the toolkit, not in your input. Re-run with --debug for the stack trace.\n",
      );
    process.exit(1);
  }
}

void main();
