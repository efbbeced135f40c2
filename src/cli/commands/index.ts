import type { CommandModule } from "yargs";
import { runCommand } from "./run.js";
import { schemaCommand } from "./schema.js";
import { collectCommand } from "./collect.js";
import { trainCommand } from "./train.js";
import { exportCommand } from "./export.js";
import { inspectCommand } from "./inspect.js";
import { decideCommand } from "./decide.js";
import { evalCommand } from "./eval.js";
import { restoreCommand } from "./restore.js";
import { auditCommand } from "./audit.js";
import { importCommand } from "./import.js";
import { exportLibraryCommand } from "./export-library.js";
import { applyPendingCommand } from "./apply-pending.js";
import { datasetCommand } from "./dataset.js";
import { opeCommand } from "./ope.js";
import { referenceServerCommand } from "./reference-server.js";

/** Every CLI command, one module per file. Keep this list sorted by pipeline order. */
export const COMMANDS: CommandModule<any, any>[] = [
  collectCommand,
  datasetCommand,
  trainCommand,
  exportCommand,
  inspectCommand,
  decideCommand,
  evalCommand,
  opeCommand,
  restoreCommand,
  auditCommand,
  importCommand,
  exportLibraryCommand,
  applyPendingCommand,
  referenceServerCommand,
  runCommand,
  schemaCommand,
];
