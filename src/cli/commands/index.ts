import type { CommandModule } from "yargs";
import { schemaCommand } from "./schema.js";

/** Every CLI command, one module per file. Keep this list sorted by pipeline order. */
export const COMMANDS: CommandModule<any, any>[] = [schemaCommand];
