import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { CuratorError } from "../errors.js";
import type { Task } from "./task.js";
import { ANSWER_CHECKERS, checkerForSource, type AnswerCheck } from "./answer.js";
import { compileTest } from "./probes.js";
import { ScanError } from "./js-scan.js";
import { resolveWorld } from "../world/presets.js";
import { worldTasks } from "./world-tasks.js";

const MAX_REPORTED = 10;

/**
 * Loads a task stream. `dynamic-cheatsheet:PATH` reads the questions and targets of a Dynamic Cheatsheet run
 * (a .jsonl file, or a benchmark folder such as …/slim/AIME_2024 whose first run file is used — every run of
 * a benchmark holds the same questions) in their original order. `jsonl:PATH` reads one task per line:
 * {"id","prompt","answer"[,"check":"exact"|"numeric"|"choice"|"game24"|"equation"]} or {"id","prompt","tests"}, where each
 * test is JavaScript whose checks are `assert.METHOD(actual, expected)` calls with a literal `expected` (see probes.ts).
 */
export function loadTasks(spec: string): Task[] {
  const at = spec.indexOf(":");
  const scheme = at > 0 ? spec.slice(0, at) : "";
  const path = spec.slice(at + 1);
  if (scheme === "dynamic-cheatsheet") return loadDynamicCheatsheet(path);
  if (scheme === "jsonl") return loadJsonlTasks(path);
  if (scheme === "world") return loadWorldTasks(path);
  throw new CuratorError(
    "BAD_ARGUMENT",
    `Task source '${spec}' is not understood. Use dynamic-cheatsheet:PATH (a Dynamic Cheatsheet run .jsonl or benchmark folder) or jsonl:PATH (one {"id","prompt","answer"} or {"id","prompt","tests"} per line), or world:NAME[:SEED[:COUNT]] (a SkillWorld as text, answered by 'curator reference-server').`,
  );
}

/** Tasks of a world stream by default: more than any endpoint run here asks for. */
export const WORLD_TASKS_DEFAULT = 1000;

/**
 * `world:NAME[:SEED[:COUNT]]`: the task stream of a SkillWorld preset or world file (seed 1 and 1000 tasks by
 * default), as text; the reference server started with the same world and seed answers it.
 */
export function loadWorldTasks(rest: string): Task[] {
  const parts = rest.split(":");
  const int = (s: string | undefined, what: string, dflt: number): number => {
    if (s === undefined || s === "") return dflt;
    if (!/^\d+$/.test(s))
      throw new CuratorError(
        "BAD_ARGUMENT",
        `Task source 'world:${rest}': ${what} '${s}' is not a whole number. Use world:NAME[:SEED[:COUNT]], e.g. world:default:1:200.`,
      );
    return Number(s);
  };
  if (parts.length > 3 || parts[0] === "")
    throw new CuratorError(
      "BAD_ARGUMENT",
      `Task source 'world:${rest}' is not understood. Use world:NAME[:SEED[:COUNT]], e.g. world:default:1:200 (NAME a world preset or a world .json file without ':' in its path).`,
    );
  const count = int(parts[2], "COUNT", WORLD_TASKS_DEFAULT);
  if (count < 1) throw new CuratorError("BAD_ARGUMENT", `Task source 'world:${rest}': COUNT must be at least 1.`);
  return worldTasks(resolveWorld(parts[0]), int(parts[1], "SEED", 1), count);
}

function readLines(path: string, what: string): string[] {
  if (!existsSync(path))
    throw new CuratorError("FILE_NOT_FOUND", `${what} '${path}' does not exist. Check the path after the ':'.`);
  return readFileSync(path, "utf8").split(/\r?\n/);
}

function fail(path: string, errors: string[], fix: string): never {
  const shown = errors.slice(0, MAX_REPORTED).join("; ");
  const more = errors.length > MAX_REPORTED ? ` (and ${errors.length - MAX_REPORTED} more)` : "";
  throw new CuratorError(
    "INVALID_FILE",
    `Task file '${path}' has ${errors.length} bad line(s): ${shown}${more}. ${fix}`,
  );
}

function parseLine(line: string, n: number, errors: string[]): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    errors.push(`line ${n}: not valid JSON (${(e as Error).message})`);
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    errors.push(`line ${n}: expected a JSON object`);
    return undefined;
  }
  return v as Record<string, unknown>;
}

const JSONL_FIELDS = new Set(["id", "prompt", "answer", "tests", "check"]);

export function loadJsonlTasks(path: string): Task[] {
  const lines = readLines(path, "Task file");
  const tasks: Task[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === "") return;
    const o = parseLine(line, n, errors);
    if (!o) return;
    const unknown = Object.keys(o).filter((k) => !JSONL_FIELDS.has(k));
    if (unknown.length)
      return void errors.push(`line ${n}: unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
    const id = typeof o.id === "string" || typeof o.id === "number" ? String(o.id) : undefined;
    if (id === undefined || id === "") return void errors.push(`line ${n}: "id" must be a non-empty string or number`);
    if (seen.has(id)) return void errors.push(`line ${n}: id "${id}" repeats line ${seen.get(id)}`);
    seen.set(id, n);
    if (typeof o.prompt !== "string" || o.prompt.trim() === "")
      return void errors.push(`line ${n}: "prompt" must be a non-empty string`);
    const hasAnswer = o.answer !== undefined;
    const hasTests = o.tests !== undefined;
    if (hasAnswer === hasTests) return void errors.push(`line ${n}: give exactly one of "answer" or "tests"`);
    if (hasAnswer) {
      if (typeof o.answer !== "string" && typeof o.answer !== "number")
        return void errors.push(`line ${n}: "answer" must be a string or number`);
      if (o.check !== undefined && !(typeof o.check === "string" && o.check in ANSWER_CHECKERS))
        return void errors.push(`line ${n}: "check" must be one of ${Object.keys(ANSWER_CHECKERS).join(", ")}`);
      tasks.push({
        kind: "answer",
        id,
        prompt: o.prompt,
        answer: String(o.answer),
        check: (o.check as AnswerCheck | undefined) ?? "exact",
      });
      return;
    }
    if (o.check !== undefined) return void errors.push(`line ${n}: "check" applies to answer tasks only`);
    const tests = typeof o.tests === "string" ? [o.tests] : o.tests;
    if (!Array.isArray(tests) || tests.length === 0 || !tests.every((t) => typeof t === "string" && t.trim() !== ""))
      return void errors.push(
        `line ${n}: "tests" must be a non-empty string or array of non-empty strings (JavaScript statements)`,
      );
    const unreadable = testProblem(tests as string[]);
    if (unreadable) return void errors.push(`line ${n}: ${unreadable}`);
    tasks.push({ kind: "code", id, prompt: o.prompt, tests: tests as string[] });
  });
  if (errors.length) fail(path, errors, 'Each line must be {"id","prompt","answer"} or {"id","prompt","tests"}.');
  if (tasks.length === 0)
    throw new CuratorError("INVALID_FILE", `Task file '${path}' holds no tasks. Add one JSON task per line.`);
  return tasks;
}

/** Why a code task's tests cannot be split across the sandbox wall (see src/tasks/probes.ts), if they cannot. */
function testProblem(tests: string[]): string | undefined {
  for (let i = 0; i < tests.length; i++) {
    try {
      compileTest(tests[i], i);
    } catch (e) {
      if (e instanceof ScanError) return `test ${i + 1}: ${e.message}`;
      throw e;
    }
  }
  return undefined;
}

const FORMAT_HINT = {
  integer: "(Please provide your answer in the form of an integer, e.g., 1234.)",
  choice: "(Please provide only the letter of the correct option, e.g., (A).)",
};

/** The run file to read for a dynamic-cheatsheet PATH: the file itself, or the first .jsonl of a folder. */
function dcRunFile(path: string): string {
  if (!existsSync(path)) throw new CuratorError("FILE_NOT_FOUND", `Dynamic Cheatsheet path '${path}' does not exist.`);
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".jsonl"))
    .sort();
  if (!files.length)
    throw new CuratorError(
      "FILE_NOT_FOUND",
      `Folder '${path}' holds no .jsonl run files. Point at a benchmark folder such as slim/AIME_2024.`,
    );
  return join(path, files[0]);
}

/** Benchmark name: "AIME_2024" from slim/AIME_2024/run.jsonl or raw/AIME_2024__run.jsonl. */
function dcSource(file: string): string {
  const b = basename(file, ".jsonl");
  return b.includes("__") ? b.split("__")[0] : basename(dirname(file));
}

export function loadDynamicCheatsheet(path: string): Task[] {
  const file = dcRunFile(path);
  const source = dcSource(file);
  const tasks: Task[] = [];
  const errors: string[] = [];
  readLines(file, "Dynamic Cheatsheet run file").forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === "") return;
    const o = parseLine(line, n, errors);
    if (!o) return;
    const question = typeof o.raw_input === "string" ? o.raw_input : undefined;
    const target = typeof o.target === "string" || typeof o.target === "number" ? String(o.target) : undefined;
    if (!question || target === undefined)
      return void errors.push(`line ${n}: needs "raw_input" (string) and "target"`);
    const idx = typeof o.idx === "number" ? o.idx : tasks.length;
    const check = checkerForSource(source, target);
    const hint = check === "choice" ? FORMAT_HINT.choice : /^-?\d+$/.test(target.trim()) ? FORMAT_HINT.integer : "";
    tasks.push({
      kind: "answer",
      id: `${source}/${idx}`,
      prompt: hint ? `${question} ${hint}` : question,
      answer: target,
      check,
      source,
    });
  });
  if (errors.length)
    fail(file, errors, "Point at a Dynamic Cheatsheet run file (fields raw_input and target on every line).");
  if (tasks.length === 0)
    throw new CuratorError("INVALID_FILE", `Dynamic Cheatsheet run file '${file}' holds no questions.`);
  return tasks;
}
