/**
 * The programmatic face of `curator import`: a registry of importers (one file each) and the function that
 * runs one and writes its output folder.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CuratorError, isCuratorError } from "../errors.js";
import { ImportContext } from "./context.js";
import { importAcePlaybook } from "./ace-playbook.js";
import { importAgentS } from "./agent-s.js";
import { importDynamicCheatsheet } from "./dynamic-cheatsheet.js";
import { importTauBench } from "./tau-bench.js";
import { importVoyager } from "./voyager.js";
import { prepareOutput } from "../util/atomic.js";
import { IMPORT_OUTPUT, buildImport, writeImport, type BuiltImport } from "./write.js";
import { IMPORT_FORMATS, type ImportFormat, type ImporterDef } from "./types.js";

export const IMPORTERS = {
  voyager: {
    describe:
      "Voyager checkpoints: skill/skills.json, skill/skill_files.json (or skill/code/*.js), curriculum/, events.jsonl",
    run: importVoyager,
  },
  "dynamic-cheatsheet": {
    describe:
      "Dynamic Cheatsheet run files (*.jsonl, one question per line with cheatsheet_before/after, target, final_answer)",
    run: importDynamicCheatsheet,
  },
  "ace-playbook": {
    describe:
      "ACE playbooks (*.txt: `## SECTION` headers and `[id] rule` lines), several snapshots of one run by numeric suffix",
    run: importAcePlaybook,
  },
  "agent-s": {
    describe:
      "Agent-S knowledge base: *_episodic_memory*.json / *_narrative_memory*.json (key → text), *_history_keys_by_commit.json",
    run: importAgentS,
  },
  "tau-bench": {
    describe:
      "tau-bench result files (*.json: list of {task_id, trial, reward, info, traj}, traj/info possibly Python reprs)",
    run: importTauBench,
  },
} satisfies Record<ImportFormat, ImporterDef>;

export function parseFormat(name: string): ImportFormat {
  if ((IMPORT_FORMATS as readonly string[]).includes(name)) return name as ImportFormat;
  throw new CuratorError("BAD_ARGUMENT", `Unknown import format '${name}'. Supported: ${IMPORT_FORMATS.join(", ")}.`);
}

/**
 * Reads PATH as FORMAT and builds the import in memory (nothing written). A missing PATH, or one holding
 * nothing this format recognises, is a CuratorError; damaged parts are skipped and reported in the manifest.
 */
export function loadImport(format: ImportFormat, path: string): BuiltImport {
  if (!existsSync(path))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Import source '${path}' does not exist. Pass the folder or file to import.`,
    );
  const ctx = new ImportContext(resolve(path));
  const def: ImporterDef = IMPORTERS[format];
  let built: BuiltImport;
  try {
    built = buildImport(format, path, def.run(resolve(path), ctx), ctx);
  } catch (e) {
    if (isCuratorError(e)) throw e;
    // Last line of defence: damage no importer rule foresaw still ends as a clear refusal, not a crash.
    throw new CuratorError(
      "INVALID_FILE",
      `Could not import '${path}' as ${format}: ${(e as Error)?.message ?? String(e)}. The input is damaged in a way the importer does not handle; re-run with --debug and report it with the file.`,
    );
  }
  if (built.library.length === 0 && built.items.length === 0 && built.events.length === 0) {
    const why = Object.entries(built.manifest.skipped.byReason)
      .map(([r, c]) => `${r} ×${c.count} (e.g. ${c.examples[0]})`)
      .join("; ");
    throw new CuratorError(
      "INVALID_FILE",
      `Nothing to import from '${path}' as ${format}: no items and no task events found${why ? `; skipped: ${why}` : ""}. Expected ${def.describe}.`,
    );
  }
  return built;
}

/** `curator import FORMAT PATH --out DIR`: import and write the output folder atomically. */
export async function importSource(format: ImportFormat, path: string, out: string): Promise<BuiltImport> {
  prepareOutput(out, IMPORT_OUTPUT);
  const built = loadImport(format, path);
  await writeImport(out, built);
  return built;
}
