/** Every command's --help shows worked examples (issue 14): a user copies one instead of reading the flags. */
import { describe, expect, it } from "vitest";
import yargs from "yargs";
import { COMMANDS } from "../../src/cli/commands/index.js";

/** The --help text of `curator ...cmd`, rendered in process by the same command modules the CLI registers. */
async function helpOf(cmd: string[]): Promise<string> {
  let cli = yargs([]).scriptName("curator").exitProcess(false).help();
  for (const c of COMMANDS) cli = cli.command(c as never);
  return new Promise((done, fail) =>
    cli.parse([...cmd, "--help"], {}, (err: Error | undefined, _argv: unknown, output: string) =>
      err ? fail(err) : done(output),
    ),
  );
}

describe("--help", () => {
  const names = COMMANDS.map((c) => String(c.command).split(" ")[0]).map((n) => (n === "audit" ? "audit verify" : n));

  it("covers every command", () => expect(names.length).toBeGreaterThanOrEqual(16));

  it.each(names)("curator %s --help has a runnable example", async (name) => {
    const examples = (await helpOf(name.split(" "))).split("Examples:")[1] ?? "";
    expect(examples.match(/^ {2}curator /gm)?.length ?? 0).toBeGreaterThanOrEqual(1);
  });
});
