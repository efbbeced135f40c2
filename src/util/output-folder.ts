/**
 * Output ownership. A command writes only into a folder that is absent, empty, or an earlier output of the same
 * command, recognised by the marker file the toolkit leaves there (`.curator-output.json`: the command, the
 * toolkit version and every file it wrote). Anything else is refused. When an earlier output is replaced, only
 * the files its marker lists are the toolkit's; whatever else sits in the folder is the user's and is carried
 * over into the new version (see swap.ts), never deleted.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { pushAll } from "./arrays.js";
import { join } from "node:path";
import { z } from "zod";
import { CuratorError } from "../errors.js";
import { TOOLKIT_VERSION } from "../version.js";

export const OUTPUT_MARKER = ".curator-output.json";
/** The swap journal a replacement carries in the new folder until the old version is gone (see swap.ts). */
export const SWAP_JOURNAL = ".curator-swap.json";

/** Commands that write an output folder or file. */
export type OutputCommand =
  "collect" | "train" | "import" | "eval" | "run" | "decide" | "calibrate" | "export" | "export-library" | "ope";

export interface OutputOptions {
  command: OutputCommand;
  /**
   * Top-level file names an output of this command held before markers existed: a folder without a marker
   * holding only these is taken as the command's own earlier output (decide's libraries with a history).
   */
  adopt?: readonly string[];
}

const MarkerSchema = z
  .object({
    curatorOutput: z.literal(1),
    command: z.string(),
    toolkitVersion: z.string(),
    files: z.array(z.string()),
  })
  .strict();
export type OutputMarker = z.infer<typeof MarkerSchema>;

export function markerText(command: string, files: readonly string[]): string {
  const m: OutputMarker = { curatorOutput: 1, command, toolkitVersion: TOOLKIT_VERSION, files: [...files] };
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** The folder's marker, null when it has none; a damaged marker is an error (the folder's owner is unknown). */
export function readMarker(dir: string): OutputMarker | null {
  const path = join(dir, OUTPUT_MARKER);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const r = MarkerSchema.safeParse(parsed);
  if (!r.success)
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `'${path}' is damaged, so it is unknown which files in '${dir}' the toolkit wrote. Move or remove '${dir}' yourself, or choose another output folder. Nothing was changed.`,
    );
  return r.data;
}

/** Every file (and symlink) under `root` as sorted '/'-separated paths, without the top-level marker and journal. */
export function listFiles(root: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (!prefix && (e.name === OUTPUT_MARKER || e.name === SWAP_JOURNAL)) continue;
    if (e.isDirectory()) pushAll(out, listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * The top-most entries under `root` that are not toolkit files: not listed in `files`, not the marker or the
 * journal, and not a folder on the way to a listed file. These belong to the user.
 */
export function foreignEntries(root: string, files: readonly string[], prefix = ""): string[] {
  const listed = new Set(files);
  const ancestors = new Set(
    files.flatMap((f) =>
      f
        .split("/")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
    ),
  );
  const walk = (pre: string): string[] => {
    const found: string[] = [];
    for (const e of readdirSync(join(root, pre), { withFileTypes: true })) {
      const rel = pre ? `${pre}/${e.name}` : e.name;
      if (!pre && (e.name === OUTPUT_MARKER || e.name === SWAP_JOURNAL)) continue;
      if (listed.has(rel) && !e.isDirectory()) continue;
      if (ancestors.has(rel) && e.isDirectory()) pushAll(found, walk(rel));
      else found.push(rel);
    }
    return found;
  };
  return walk(prefix);
}

export type Ownership = { kind: "absent" } | { kind: "own"; files: string[] };

const listOf = (names: readonly string[]) =>
  `${names.slice(0, 5).join(", ")}${names.length > 5 ? `, … (${names.length} in all)` : ""}`;

/**
 * Where an output named `out` really goes: a symlink is followed (the link itself is never replaced), a
 * dangling one is refused.
 */
export function resolveOutputPath(out: string): string {
  let st;
  try {
    st = lstatSync(out);
  } catch {
    return out;
  }
  if (!st.isSymbolicLink()) return out;
  try {
    return realpathSync(out);
  } catch {
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `Output '${out}' is a symlink to a path that does not exist. Create its target folder, point the link elsewhere, or choose another output path. Nothing was changed.`,
    );
  }
}

/** What `target` (already resolved) holds, or a refusal naming the folder and the way out. */
export function outputOwnership(target: string, o: OutputOptions, shown: string = target): Ownership {
  let st;
  try {
    st = statSync(target);
  } catch {
    return { kind: "absent" };
  }
  if (!st.isDirectory())
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `Output folder '${shown}' is a file, not a folder. Choose a new or empty folder. Nothing was changed.`,
    );
  const entries = readdirSync(target);
  if (entries.length === 0) return { kind: "own", files: [] };
  const marker = readMarker(target);
  if (marker) {
    if (marker.command === o.command) return { kind: "own", files: marker.files };
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `Output folder '${shown}' holds the output of 'curator ${marker.command}', not of 'curator ${o.command}'; it is not replaced. Choose a new or empty folder (or an earlier output of 'curator ${o.command}'), or remove '${shown}' yourself. Nothing was changed.`,
    );
  }
  if (o.adopt && entries.every((e) => o.adopt!.includes(e) && statSync(join(target, e)).isFile()))
    return { kind: "own", files: entries.sort() };
  throw new CuratorError(
    "OUTPUT_EXISTS",
    `Output folder '${shown}' already holds files the toolkit did not write (${listOf(entries.sort())}). 'curator ${o.command}' writes only into a new or empty folder, or into its own earlier output (marked by ${OUTPUT_MARKER}). Choose a new or empty folder, or move or remove '${shown}' yourself. Nothing was changed.`,
  );
}

/**
 * A single output file (export): it may replace only a file the toolkit wrote, i.e. one listed by the marker of
 * the folder it sits in, or one `isOurs` recognises by its content.
 */
export function assertReplaceableFile(
  path: string,
  folderMarker: OutputMarker | null,
  name: string,
  isOurs: (path: string) => boolean,
): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isFile() && (folderMarker?.files.includes(name) || isOurs(path))) return;
  throw new CuratorError(
    "OUTPUT_EXISTS",
    `'${path}' already exists and was not written by the toolkit; it is not overwritten. Choose another output file, or move or remove '${path}' yourself. Nothing was changed.`,
  );
}

/**
 * Claims `dir`, the scratch folder (`OUT.partial`) where a command keeps unfinished work: refuses it unless it is
 * ours (empty, or holding `ownFile`, which the command writes there), and removes it for a fresh start.
 */
export function claimScratchFolder(dir: string, ownFile: string, fresh: boolean): void {
  if (!existsSync(dir)) return;
  const entries = statSync(dir).isDirectory() ? readdirSync(dir) : null;
  if (entries === null || (entries.length > 0 && !entries.includes(ownFile)))
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `'${dir}' exists but was not left by an interrupted curator run (it holds no ${ownFile}); this command keeps its unfinished work at that path. Move or rename it, then retry. Nothing was changed.`,
    );
  if (fresh) rmSync(dir, { recursive: true, force: true });
}
