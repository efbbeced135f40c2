/**
 * SkillWorld as text, for the reference server (src/executors/reference): tasks are tickets of a named family
 * whose answer is a code computed with the family's current procedure key; items are procedure notes naming
 * their family, the revision they were written for and the key they teach, with concrete steps (their
 * actionability) and a filler tail (their verbosity). Wrong items teach a wrong key; stale items an old
 * revision's key. Nothing hidden is carried: the server reads everything back from the text (parseItem).
 */
import { createHash } from "node:crypto";
import { countTokens } from "../text/tokens.js";
import { hash01 } from "../util/rng.js";

/** Steps of a fully actionable item: actionability × detail = steps / STEPS. */
export const STEPS = 10;

const NOUNS = [
  "ledger",
  "invoice",
  "shipment",
  "sensor",
  "payroll",
  "catalog",
  "firmware",
  "warehouse",
  "pipeline",
  "tariff",
  "satellite",
  "pharmacy",
  "turbine",
  "mortgage",
  "orbit",
  "vineyard",
  "reactor",
  "census",
  "harbor",
  "glacier",
];
const VERBS = [
  "reconciliation",
  "calibration",
  "routing",
  "checksum",
  "rebalancing",
  "forecasting",
  "indexing",
  "settlement",
  "triage",
  "sharding",
  "allocation",
  "validation",
  "scheduling",
  "encoding",
  "dispatch",
  "throttling",
  "migration",
  "auditing",
  "tuning",
  "rotation",
];
const STEP_BANK = [
  "reverse the digits",
  "add the key's first digit to each digit",
  "drop any leading zero",
  "multiply by the key modulo 9973",
  "take the last four digits",
  "swap the two middle digits",
  "subtract the key's last digit",
  "prefix the family tag",
  "pad the result to four digits",
  "check the tag matches",
  "rotate the digits left once",
  "xor the digit sum with the key",
];
const GENERIC_STEPS = [
  "read the ticket carefully before acting",
  "write down the input value",
  "double-check each intermediate result",
  "prefer the most recent procedure notes",
  "state the final code once",
];
const FILLER = [
  "In general it is always a good idea to be careful and thorough when working on any kind of problem.",
  "Many tickets look similar at first glance, so take a moment to think about what is being asked.",
  "Remember that consistency matters and that small mistakes can propagate through later tickets.",
  "It can help to restate the problem in your own words before starting on the procedure.",
  "Experience shows that rushing through a ticket rarely saves time in the long run.",
  "Keep notes organised so that future work can build on what was learned here.",
  "When in doubt, re-read the instructions and compare them with what you are about to submit.",
  "Clear communication of the result is as important as the computation that produced it.",
  "Good habits, applied every time, make hard tickets feel routine.",
  "Avoid unnecessary detours; the simplest correct path is usually the best one.",
];
const WORKED = [
  "worked detail: the key applies to every digit, not only the first",
  "worked detail: the modulus is applied before the last four digits are taken",
  "worked detail: the tag is upper case and joined with a hyphen",
  "worked detail: a number with repeated digits still follows every step",
];

export function familyName(f: number): string {
  // (a, 3a + f/20 mod 20) is one pair per family below 400, and the first 20 families share no word
  const a = f % NOUNS.length;
  const base = `${NOUNS[a]} ${VERBS[(3 * a + Math.floor(f / NOUNS.length)) % VERBS.length]}`;
  return f < NOUNS.length * VERBS.length ? base : `${base} ${Math.floor(f / (NOUNS.length * VERBS.length)) + 1}`;
}

function familyTag(f: number): string {
  const [a, b] = familyName(f).split(" ");
  return `${a[0]}${b[0]}${f}`.toUpperCase();
}

function u32(...xs: number[]): number {
  let h = 0x2545f491;
  for (const x of xs) h = Math.floor(hash01(h, x >>> 0, 0x9e37) * 4294967296);
  return h;
}

/** The key taught by revision `version` of family `f`'s procedure (a wrong item teaches another). */
export function procedureKey(seed: number, f: number, version: number, wrongSalt?: number): string {
  const n = wrongSalt === undefined ? u32(seed, f, version, 0x6b) : u32(seed, f, version, wrongSalt, 0x77);
  return `K-${1000 + (n % 9000)}`;
}

/** The answer of a ticket: its input transformed with a key. */
export function ticketCode(f: number, input: number, key: string): string {
  const k = Number(key.slice(2));
  return `${familyTag(f)}-${1000 + (u32(input, k, 0x3c) % 9000)}`;
}

export interface RenderedTask {
  t: number;
  family: number;
  input: number;
  prompt: string;
}

export function ticketInput(seed: number, t: number): number {
  return 10000 + (u32(seed, t, 0x1a) % 90000);
}

export function renderTask(seed: number, t: number, family: number): RenderedTask {
  const input = ticketInput(seed, t);
  const name = familyName(family);
  const prompt =
    `Ticket ${t}: ${name}.\nApply the current ${name} procedure to the input value ${input} and report the resulting code ` +
    `(it looks like ${familyTag(family)}-NNNN).`;
  return { t, family, input, prompt };
}

/** The ticket number of a rendered task in any text that quotes its first line. */
export function parseTicket(text: string): number | undefined {
  const m = /Ticket (\d+): /.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** What an item's text says about it. `family` -1 = generic advice. */
export interface ItemSpec {
  family: number;
  version: number;
  key: string;
  /** concrete steps, 0..STEPS */
  steps: number;
  /** token targets: core (header, key, steps, worked detail) and whole item */
  coreTokens: number;
  tokens: number;
  /** seeds the choice of steps and filler sentences */
  variant: number;
}

/** Renders an item as text; the token targets are met as closely as the fixed header allows. */
export function renderItem(spec: ItemSpec): string {
  const lines: string[] = [];
  if (spec.family >= 0) {
    const name = familyName(spec.family);
    lines.push(
      `${name[0].toUpperCase()}${name.slice(1)}: field notes (revision ${spec.version}).`,
      `Key: ${spec.key}.`,
    );
    for (let s = 0; s < spec.steps; s++)
      lines.push(`Step ${s + 1}: ${STEP_BANK[(spec.variant + s * 5) % STEP_BANK.length]}.`);
  } else {
    lines.push("General advice for any ticket procedure.");
    for (let s = 0; s < spec.steps; s++)
      lines.push(`Step ${s + 1}: ${GENERIC_STEPS[(spec.variant + s) % GENERIC_STEPS.length]}.`);
  }
  let tokens = countTokens(lines.join("\n"));
  for (let i = 0; spec.family >= 0 && tokens < spec.coreTokens && i < 40; i++) {
    const line = `${familyName(spec.family)} ${WORKED[(spec.variant + i) % WORKED.length]}.`;
    lines.push(line);
    tokens += countTokens(line) + 1;
  }
  lines.push("---");
  tokens += 2;
  for (let i = 0; tokens < spec.tokens && i < 400; i++) {
    const line = FILLER[(spec.variant * 7 + i * 3) % FILLER.length];
    lines.push(line);
    tokens += countTokens(line) + 1;
  }
  return lines.join("\n");
}

/** An item as the success model sees it, read back from its text. */
export interface ParsedItem {
  /** a hash of the text: keys the item's per-task draws */
  id: number;
  family: number;
  version: number;
  key: string;
  wrong: boolean;
  actionability: number;
  detail: number;
  coreTokens: number;
  tokens: number;
  /** whether the text is one of our renderings (else it is noise to the executor) */
  known: boolean;
}

/** A family index no task has: text the world does not know is irrelevant to every task. */
export const UNKNOWN_FAMILY = 1 << 30;

export function textId(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32LE(0);
}

/**
 * Reads an item's text. `familyOf` maps a family name back to its index; `trueKey` gives the key of a
 * (family, revision). Tokens count the text as the prompt holds it.
 */
export function parseItem(
  text: string,
  familyOf: (name: string) => number | undefined,
  trueKey: (f: number, v: number) => string,
): ParsedItem {
  const body = text.trim();
  const tokens = countTokens(body);
  const cut = body.indexOf("\n---");
  const core = cut >= 0 ? body.slice(0, cut) : body;
  const steps = (core.match(/^Step \d+: /gm) ?? []).length;
  const base = { id: textId(body), tokens, coreTokens: Math.min(tokens, countTokens(core)), detail: 1 };
  const head = /^(.+?): field notes \(revision (\d+)\)\.\s*\nKey: (K-\d+)\./.exec(core);
  const family = head ? familyOf(head[1].toLowerCase()) : undefined;
  if (head && family !== undefined) {
    const version = Number(head[2]);
    return {
      ...base,
      family,
      version,
      key: head[3],
      wrong: head[3] !== trueKey(family, version),
      actionability: Math.min(1, steps / STEPS),
      known: true,
    };
  }
  if (core.startsWith("General advice for any ticket procedure."))
    return {
      ...base,
      family: -1,
      version: 0,
      key: "",
      wrong: false,
      actionability: Math.min(1, steps / STEPS),
      known: true,
    };
  return { ...base, family: UNKNOWN_FAMILY, version: 0, key: "", wrong: false, actionability: 0, known: false };
}
