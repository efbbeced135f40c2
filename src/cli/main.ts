#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { isCuratorError } from "../errors.js";
import { COMMANDS } from "./commands/index.js";
import { TOOLKIT_VERSION } from "../version.js";

async function main(): Promise<void> {
  const debug = process.argv.includes("--debug");
  let cli = yargs(hideBin(process.argv))
    .scriptName("curator")
    .usage("$0 <command> [options]\n\nCollect, train, export, run and evaluate curators of agent skill/memory libraries.")
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
      process.stderr.write(`curator: ${msg}\nRun 'curator --help' for usage.\n`);
      process.exit(2);
    });
  for (const c of COMMANDS) cli = cli.command(c as never);
  try {
    await cli.parseAsync();
  } catch (e) {
    if (isCuratorError(e)) {
      process.stderr.write(`curator: error [${e.code}]: ${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack}\n`);
      process.exit(2);
    }
    process.stderr.write(`curator: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (debug) process.stderr.write(`${(e as Error)?.stack}\n`);
    else process.stderr.write("This is a bug in the toolkit, not in your input. Re-run with --debug for the stack trace.\n");
    process.exit(1);
  }
}

void main();
