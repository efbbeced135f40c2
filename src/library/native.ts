/**
 * Writers that return a curated library (a decide output folder's live items, or any library.jsonl) in the
 * native format of the sources that have one, so a user who brought an ACE playbook, a Voyager skill folder or
 * a Dynamic Cheatsheet gets one back. They read what the importers recorded (`tags` section:…, `meta.rule`,
 * `meta.skill`, `meta.description`, ACE counters, DC counts); the normalisation they apply is documented in
 * docs/libraries-and-formats.md. Output goes only to an absent path (or an empty folder / empty file).
 */
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CuratorError } from "../errors.js";
import { writeDirAtomic, writeFileAtomic, assertWritableOutput } from "../util/atomic.js";
import { LIBRARY_FILE } from "./apply.js";
import { readLibraryFile, type LiveItem } from "./io.js";

export const NATIVE_FORMATS = ["ace", "voyager", "dc"] as const;
export type NativeFormat = (typeof NATIVE_FORMATS)[number];

const SECTION_TAG = "section:";
const sectionOf = (it: LiveItem): string | null =>
  it.tags?.find((t) => t.startsWith(SECTION_TAG))?.slice(SECTION_TAG.length) ?? null;
const lastSegment = (id: string): string => id.slice(id.lastIndexOf("/") + 1).replace(/@v\d+$/, "");
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;

/** Items grouped by section in order of first appearance (items keep their order within a section). */
function bySection(items: readonly LiveItem[]): [string | null, LiveItem[]][] {
  const groups = new Map<string | null, LiveItem[]>();
  for (const it of items) {
    const s = sectionOf(it);
    const g = groups.get(s);
    if (g) g.push(it);
    else groups.set(s, [it]);
  }
  return [...groups];
}

/**
 * ACE playbook text: `## SECTION` headers and one `[rule-id] text` line per rule (continuation lines follow
 * it), with ACE's counters `[id] helpful=H harmful=F :: text` when the import carried them.
 */
export function writeAcePlaybook(items: readonly LiveItem[]): string {
  const lines: string[] = [];
  for (const [section, group] of bySection(items)) {
    if (section !== null) lines.push(`## ${section}`);
    for (const it of group) {
      const id = str(it.meta?.rule) ?? lastSegment(it.id);
      const helpful = int(it.meta?.helpful);
      const harmful = int(it.meta?.harmful);
      const counters =
        helpful !== undefined && harmful !== undefined ? `helpful=${helpful} harmful=${harmful} :: ` : "";
      lines.push(`[${id}] ${counters}${it.content.trim()}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

const DC_HEADER = /^[A-Z][A-Z0-9 ,&()\-:/]{6,}$/;

/**
 * Dynamic Cheatsheet text: section headers and `<memory_item>…** Count: N **</memory_item>` blocks (the count
 * the import carried, else 1). Retrieval runs' previous-solution items are not cheatsheet entries: refused.
 */
export function writeCheatsheet(items: readonly LiveItem[]): string {
  const solutions = items.filter((it) => it.tags?.includes("previous-solution"));
  if (solutions.length > 0)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `${solutions.length} item(s) are previous solutions of a Dynamic Cheatsheet retrieval run (e.g. '${solutions[0].id}'), not cheatsheet entries; a cheatsheet cannot hold them. Export a cumulative run's library, or use --format voyager/ace. Nothing was written.`,
    );
  const parts: string[] = ["Version: 1.0"];
  for (const [section, group] of bySection(items)) {
    if (section !== null) parts.push(DC_HEADER.test(section) ? section : `## ${section}`);
    for (const it of group)
      parts.push(`<memory_item>\n${it.content.trim()}\n** Count: ${int(it.meta?.count) ?? 1} **\n</memory_item>`);
  }
  return `${parts.join("\n\n")}\n`;
}

/** Voyager file names: the skill's name as Voyager wrote it (meta.skill), else the id's last segment. */
function skillName(it: LiveItem): string {
  const name = str(it.meta?.skill) ?? lastSegment(it.id);
  if (!/^[A-Za-z_$][\w$]*$/.test(name))
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Item '${it.id}' has no usable skill name ('${name}' is not a JavaScript identifier); set meta.skill. Nothing was written.`,
    );
  return name;
}

/** A Voyager checkpoint's skill folder: skill/skills.json (the live library), skill/code/NAME.js, skill/description/NAME.txt. */
export function voyagerFiles(items: readonly LiveItem[]): Map<string, string> {
  const files = new Map<string, string>();
  const skills: Record<string, { code: string; description: string }> = {};
  for (const it of items) {
    const name = skillName(it);
    if (skills[name])
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Two items are skill '${name}' (second: '${it.id}'); Voyager holds one per name. Nothing was written.`,
      );
    const description = str(it.meta?.description) ?? "";
    skills[name] = { code: it.content, description };
    files.set(join("skill", "code", `${name}.js`), it.content);
    files.set(join("skill", "description", `${name}.txt`), description);
  }
  files.set(join("skill", "skills.json"), `${JSON.stringify(skills, null, 4)}\n`);
  return files;
}

export interface ExportLibraryOptions {
  format: NativeFormat;
  /** a decide output folder (its library.jsonl) or a library .jsonl file */
  from: string;
  out: string;
  /** which library to write when the items belong to several (their `library` field) */
  library?: string;
}

export interface ExportLibrarySummary {
  format: NativeFormat;
  out: string;
  library: string | null;
  items: number;
  /** items still marked `pending` (compress / rewrite not applied yet): written with their current text */
  pending: number;
}

function libraryPath(from: string): string {
  if (!existsSync(from))
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `--from '${from}' does not exist. Pass a 'curator decide --out' folder or a library .jsonl file.`,
    );
  return statSync(from).isDirectory() ? join(from, LIBRARY_FILE) : from;
}

/** Refuses an output that exists and is not empty (or is of the other kind): a user's file or folder is never replaced. */
function checkAbsent(out: string, kind: "file" | "folder"): void {
  if (!existsSync(out)) return;
  const isDir = statSync(out).isDirectory();
  if (isDir !== (kind === "folder"))
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `--out '${out}' is a ${isDir ? "folder" : "file"}; this format writes a ${kind}. Choose a new path (nothing was written).`,
    );
  const empty = isDir ? readdirSync(out).length === 0 : statSync(out).size === 0;
  if (!empty)
    throw new CuratorError(
      "OUTPUT_EXISTS",
      `--out '${out}' already exists and is not empty. Choose a new path (nothing was written).`,
    );
}

/** Picks the items of one library: the only one present, or the one named. */
function selectLibrary(
  items: LiveItem[],
  wanted: string | undefined,
  file: string,
): { items: LiveItem[]; name: string | null } {
  const names = [...new Set(items.map((it) => it.library ?? null))];
  if (wanted !== undefined) {
    const picked = items.filter((it) => it.library === wanted);
    if (picked.length === 0)
      throw new CuratorError(
        "BAD_ARGUMENT",
        `No item of '${file}' belongs to library '${wanted}'. Libraries present: ${names.map(String).join(", ")}.`,
      );
    return { items: picked, name: wanted };
  }
  if (names.length > 1)
    throw new CuratorError(
      "BAD_ARGUMENT",
      `'${file}' holds ${names.length} libraries (${names.slice(0, 8).map(String).join(", ")}${names.length > 8 ? ", …" : ""}); a native file holds one. Pass --library NAME. Nothing was written.`,
    );
  return { items, name: names[0] ?? null };
}

/** `curator export-library`: writes the live items of one library in a source's native format. */
export async function exportLibrary(o: ExportLibraryOptions): Promise<ExportLibrarySummary> {
  if (!(NATIVE_FORMATS as readonly string[]).includes(o.format))
    throw new CuratorError("BAD_ARGUMENT", `Unknown --format '${o.format}'. Supported: ${NATIVE_FORMATS.join(", ")}.`);
  const file = libraryPath(o.from);
  const { items, name } = selectLibrary(readLibraryFile(file), o.library, file);
  checkAbsent(o.out, o.format === "voyager" ? "folder" : "file");
  assertWritableOutput(o.out);
  if (o.format === "voyager") {
    const files = voyagerFiles(items);
    await writeDirAtomic(o.out, { command: "export-library" }, async (tmp) => {
      for (const [rel, text] of files) {
        mkdirSync(join(tmp, rel, ".."), { recursive: true });
        writeFileSync(join(tmp, rel), text);
      }
    });
  } else {
    writeFileAtomic(o.out, o.format === "ace" ? writeAcePlaybook(items) : writeCheatsheet(items));
  }
  return {
    format: o.format,
    out: o.out,
    library: name,
    items: items.length,
    pending: items.filter((it) => it.pending).length,
  };
}
