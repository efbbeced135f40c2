/**
 * CLI flags derived from the zod option schemas, so a flag's type, default and description cannot drift from
 * the schema the programmatic API validates with (vitest builds its CLI table from its config type the same way).
 *
 * Every schema field is listed in the command's table: either as a flag (with the few things the command line
 * spells differently, e.g. a comma list for an array) or as deliberately absent, with the reason.
 * test/cli/flags.test.ts fails when a schema field is neither.
 */
import type { Argv, Options, PositionalOptions } from "yargs";
import type { z } from "zod";
import { CuratorError } from "../errors.js";

/** How one schema field appears on the command line. */
export interface Flag {
  /** The flag's name; default: the field name in kebab-case. */
  name?: string;
  /** The yargs type when the command line spells the value differently (a comma list for an array, JSON text). */
  type?: "string" | "number" | "boolean";
  /** Command-line value → schema value (e.g. "1,2,3" → [1, 2, 3]); runs before the schema checks it. */
  parse?: (raw: never) => unknown;
  /** Appended to the schema's description where the command line needs more, e.g. an example. */
  example?: string;
  /** Required on the command line although the schema has no default (yargs reports it before anything runs). */
  demand?: boolean;
  /** A positional argument of the command (`import <format> <path>`) rather than a --flag. */
  positional?: boolean;
}

/** A command's parsed flags: the global ones and whatever its table declares. */
export type FlagArgs = { json: boolean; debug: boolean } & { [flag: string]: unknown };

/** Adds the tables' flags to a command's yargs builder (the first table wins a flag both declare). */
export function withFlags(
  y: Argv<{ json: boolean; debug: boolean }>,
  ...options: Record<string, Options>[]
): Argv<FlagArgs> {
  const merged: Record<string, Options> = {};
  for (const o of options) for (const [k, v] of Object.entries(o)) merged[k] ??= v;
  return y.options(merged) as unknown as Argv<FlagArgs>;
}

/** A field the command line does not offer, and why. */
export interface Absent {
  absent: string;
}

export type FlagTable<S extends z.ZodObject> = { [K in keyof z.input<S> & string]-?: Flag | Absent };

interface FieldInfo {
  kind: string;
  choices?: readonly string[];
  defaultValue?: unknown;
  hasDefault: boolean;
  optional: boolean;
  describe?: string;
}

type Def = { type: string; innerType?: ZodLike; defaultValue?: unknown; entries?: Record<string, string> };
type ZodLike = { description?: string; def: Def };

/** The base kind, default and description of one field, looking through optional / default wrappers. */
export function fieldInfo(schema: ZodLike): FieldInfo {
  const info: FieldInfo = { kind: "", hasDefault: false, optional: false };
  let s: ZodLike | undefined = schema;
  while (s) {
    info.describe ??= s.description;
    const d: Def = s.def;
    if (d.type === "default") {
      info.hasDefault = true;
      info.defaultValue = d.defaultValue;
    } else if (d.type === "optional") info.optional = true;
    else {
      info.kind = d.type;
      if (d.type === "enum" && d.entries) info.choices = Object.values(d.entries);
      break;
    }
    s = d.innerType;
  }
  return info;
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const isAbsent = (f: Flag | Absent): f is Absent => "absent" in f;
const showDefault = (v: unknown) =>
  Array.isArray(v) ? v.join(",") : typeof v === "object" ? JSON.stringify(v) : String(v);

function flagName(key: string, f: Flag): string {
  return f.name ?? kebab(key);
}

/** The flag's help text: the schema's description, its choices, and the example. */
function describe(key: string, info: FieldInfo, f: Flag): string {
  const parts = [info.describe ?? ""];
  if (info.choices) parts.push(`[one of: ${info.choices.join(", ")}]`);
  if (f.example) parts.push(`(e.g. --${flagName(key, f)} ${f.example})`);
  return parts.filter(Boolean).join(" ");
}

/**
 * yargs options for the table's flags. Defaults are shown, not applied: the schema applies them, so a value the
 * user did not give stays undefined until the schema fills it in.
 */
export function flagsFromSchema<S extends z.ZodObject>(schema: S, table: FlagTable<S>): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [key, f] of Object.entries(table) as [string, Flag | Absent][]) {
    if (isAbsent(f) || f.positional) continue;
    const field = schema.shape[key] as unknown as ZodLike | undefined;
    if (!field) throw new Error(`Flag table names '${key}', which the schema does not have.`);
    const info = fieldInfo(field);
    const type = f.type ?? (info.kind === "number" || info.kind === "boolean" ? info.kind : "string");
    out[flagName(key, f)] = {
      type,
      describe: describe(key, info, f),
      ...(info.hasDefault ? { defaultDescription: showDefault(info.defaultValue) } : {}),
      ...(f.demand ? { demandOption: true } : {}),
    };
  }
  return out;
}

/** Adds the table's positional arguments (in table order) to a command's yargs builder. */
export function withPositionals<S extends z.ZodObject, A>(y: Argv<A>, schema: S, table: FlagTable<S>): Argv<A> {
  let out = y;
  for (const [key, f] of Object.entries(table) as [string, Flag | Absent][]) {
    if (isAbsent(f) || !f.positional) continue;
    const info = fieldInfo(schema.shape[key] as unknown as ZodLike);
    // yargs lists a positional's choices itself
    const o: PositionalOptions = {
      type: "string",
      describe: describe(key, { ...info, choices: undefined }, f),
      demandOption: true,
    };
    if (info.choices) o.choices = [...info.choices];
    out = out.positional(flagName(key, f), o);
  }
  return out;
}

/**
 * Parsed flags → schema input, then validated with the schema. A failure is a BAD_ARGUMENT naming the flag
 * (not the field), the value given, what is wrong and the flag's help text with its example.
 */
export function optionsFromFlags<S extends z.ZodObject, C extends z.ZodType = S>(
  schema: S,
  table: FlagTable<S>,
  args: Record<string, unknown>,
  /** The schema with its cross-field rules (`.superRefine`), when `schema` is the plain object it refines. */
  check?: C,
): z.output<C> {
  const input: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table) as [string, Flag | Absent][]) {
    if (isAbsent(f)) continue;
    const raw = args[flagName(key, f)];
    if (raw === undefined) continue;
    input[key] = f.parse ? f.parse(raw as never) : raw;
  }
  const r = (check ?? schema).safeParse(input);
  if (r.success) return r.data as z.output<C>;
  const problems = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? "");
    const f = table[key as keyof FlagTable<S>] as Flag | Absent | undefined;
    if (!f || isAbsent(f)) return `${i.path.join(".") || "(options)"}: ${i.message}`;
    const name = flagName(key, f);
    const given = args[name] === undefined ? " (not given)" : ` '${showDefault(args[name])}'`;
    const info = fieldInfo(schema.shape[key] as unknown as ZodLike);
    const at = i.path.length > 1 ? ` (item ${Number(i.path[1]) + 1})` : "";
    return `--${name}${given}${at}: ${i.message}. ${describe(key, info, f)}`.trimEnd();
  });
  throw new CuratorError("BAD_ARGUMENT", `${problems.join("; ")}${/[.)]$/.test(problems.at(-1) ?? "") ? "" : "."}`);
}

/** "a,b, c" → ["a", "b", "c"] (empty parts dropped; the schema's .min(1) refuses an empty list). */
export const commaList = (raw: string): string[] =>
  String(raw)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
/** "1,2,3" → [1, 2, 3]; a part that is not a number becomes NaN, which the schema refuses with the flag's name. */
export const numberList = (raw: string): number[] =>
  commaList(raw).map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : NaN));
