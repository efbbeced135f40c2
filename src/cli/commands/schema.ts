import type { CommandModule } from "yargs";
import { z } from "zod";
import { LibraryItemSchema } from "../../schemas/item.js";
import { ExecutorProfileSchema } from "../../schemas/executor.js";
import { WorldConfigSchema } from "../../schemas/world.js";
import type { GlobalArgs } from "../output.js";

const SCHEMAS = { item: LibraryItemSchema, executor: ExecutorProfileSchema, world: WorldConfigSchema } as const;

export const schemaCommand: CommandModule<GlobalArgs, GlobalArgs & { name: keyof typeof SCHEMAS }> = {
  command: "schema <name>",
  describe: "print the JSON Schema of a user-facing file format (item = one library.jsonl line)",
  builder: (y) =>
    y
      .positional("name", { choices: Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[], demandOption: true })
      .example("curator schema item", "the JSON Schema of a library line")
      .example("curator schema executor > executor.schema.json", "the executor profile schema, for an editor"),
  handler: (args) => {
    process.stdout.write(`${JSON.stringify(z.toJSONSchema(SCHEMAS[args.name], { io: "input" }), null, 2)}\n`);
  },
};
