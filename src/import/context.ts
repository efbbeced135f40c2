/**
 * What every importer shares: a log of what was skipped or repaired (counts by reason, a few examples), and
 * file readers that never throw on damaged input — they record why a file or line was not usable instead.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { parseLiteral } from "./literal.js";

/**
 * Why something was not imported (skipped), or was imported with a fix or a gap (repaired). Stable names: the
 * manifest reports counts under them, and tests assert them.
 */
export type IssueReason =
  | "unreadable-file" // could not be read (permissions, a folder where a file was expected)
  | "empty-file" // nothing but whitespace
  | "bad-json" // not JSON / Python literal at all
  | "truncated-json" // damaged part-way: the complete leading entries were kept, the rest lost
  | "bad-json-line" // one JSONL line that does not parse
  | "unexpected-shape" // parsed, but not the structure this format uses
  | "missing-field" // a record without a field the format needs
  | "bad-field-type" // a field of the wrong type
  | "empty-content" // an item with no text
  | "duplicate-file" // byte-identical to a file already imported
  | "duplicate-run" // a second file for a run already imported
  | "duplicate-id" // two items with one id in a file (repaired: the second gets a suffix)
  | "unclosed-tag" // `<memory_item>` without its closing tag (repaired: closed at the next item)
  | "continuation-line" // a line that continues the previous item (repaired: appended)
  | "file-mismatch" // two copies of one item disagree (repaired: the authoritative copy wins)
  | "unrecognised-file" // a file in the folder that this format does not use
  | "no-content-in-history" // an item only named in a history index, its text never stored
  | "unmatched-reference" // a record pointing at something that does not exist
  | "unreadable-record"; // a record that broke the importer in an unforeseen way (kept out, reported)

export interface IssueCount {
  count: number;
  examples: string[];
}
export interface IssueReport {
  total: number;
  byReason: Record<string, IssueCount>;
}

const MAX_EXAMPLES = 3;

export class IssueLog {
  private readonly entries = new Map<IssueReason, IssueCount>();
  add(reason: IssueReason, example: string, count = 1): void {
    const e = this.entries.get(reason) ?? { count: 0, examples: [] };
    e.count += count;
    if (e.examples.length < MAX_EXAMPLES)
      e.examples.push(example.length > 240 ? `${example.slice(0, 237)}...` : example);
    this.entries.set(reason, e);
  }
  total(): number {
    let t = 0;
    for (const e of this.entries.values()) t += e.count;
    return t;
  }
  report(): IssueReport {
    const byReason: Record<string, IssueCount> = {};
    for (const k of [...this.entries.keys()].sort()) byReason[k] = this.entries.get(k)!;
    return { total: this.total(), byReason };
  }
}

/** Shared state of one import run: the root, the issue logs and the hash of every file read. */
export class ImportContext {
  readonly skipped = new IssueLog();
  readonly repaired = new IssueLog();
  private readonly hash = createHash("sha256");
  private filesRead = 0;

  constructor(readonly root: string) {}

  /** Path relative to the import root, with forward slashes, for reports that are the same on every machine. */
  rel(path: string): string {
    const r = relative(this.root, path).split(sep).join("/");
    return r === "" ? (path.split(sep).pop() ?? path) : r;
  }

  get sourceFiles(): number {
    return this.filesRead;
  }
  sourceHash(): string {
    return this.hash.copy().digest("hex");
  }

  /** The file's text (UTF-8, damaged bytes replaced), or null with the reason logged. */
  readText(path: string): string | null {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      this.skipped.add("unreadable-file", `${this.rel(path)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return null;
    }
    this.filesRead++;
    this.hash.update(this.rel(path)).update("\0").update(bytes).update("\0");
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\ufeff/, "");
    if (text.trim() === "") {
      this.skipped.add("empty-file", this.rel(path));
      return null;
    }
    return text;
  }

  /** A JSON (or Python-literal) file; damage is salvaged where possible and logged. */
  readJson(path: string): unknown {
    const text = this.readText(path);
    if (text === null) return undefined;
    const r = parseLiteral(text);
    if (r.complete) return r.value;
    if (r.value === undefined) {
      this.skipped.add("bad-json", `${this.rel(path)}: ${r.error} at offset ${r.errorOffset}`);
      return undefined;
    }
    this.skipped.add(
      "truncated-json",
      `${this.rel(path)}: ${r.error} at offset ${r.errorOffset}; entries before it kept`,
    );
    return r.value;
  }

  /** JSONL records with their 1-based line numbers; bad lines are logged and left out. */
  readJsonl(path: string): { line: number; value: unknown }[] {
    const text = this.readText(path);
    if (text === null) return [];
    const out: { line: number; value: unknown }[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i].trim();
      if (l === "") continue;
      const r = parseLiteral(l);
      if (r.complete) out.push({ line: i + 1, value: r.value });
      else this.skipped.add("bad-json-line", `${this.rel(path)}:${i + 1}: ${r.error}`);
    }
    return out;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every file under `dir` (sorted, hidden entries and symlink loops skipped, depth-capped). */
export function walkFiles(dir: string, maxDepth = 8): string[] {
  const out: string[] = [];
  const visit = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(".") || n === "node_modules") continue;
      const p = join(d, n);
      if (isDir(p)) {
        if (depth < maxDepth) visit(p, depth + 1);
      } else out.push(p);
    }
  };
  visit(dir, 0);
  return out;
}

/** PATH itself when it is a file, else every file under it but licence, readme and notice files. */
export function sourceFiles(path: string): string[] {
  return isFile(path) ? [path] : walkFiles(path).filter((f) => !/^(license|readme|notice)/i.test(basename(f)));
}

/** Short stable id fragment for long keys (Agent-S tasks, policy text). */
export function shortHash(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 10);
}
