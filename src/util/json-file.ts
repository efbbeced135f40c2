import { readFileSync, existsSync } from "node:fs";
import type { z } from "zod";
import { CuratorError, describeZodIssues } from "../errors.js";

/** Reads and validates a JSON file, turning every failure into a CuratorError naming the file and field. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string): z.output<S> {
  if (!existsSync(path)) throw new CuratorError("FILE_NOT_FOUND", `${what} file '${path}' does not exist.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CuratorError(
      "INVALID_FILE",
      `${what} file '${path}' is not valid JSON (${(e as Error).message}). Fix the JSON syntax.`,
    );
  }
  return parseWith(schema, raw, `${what} file '${path}'`);
}

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, where: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CuratorError(
      "INVALID_CONFIG",
      `${where} is invalid: ${describeZodIssues(r.error.issues)}. Fix these fields and retry.`,
    );
  return r.data;
}
