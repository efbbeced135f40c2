import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadLibrary, parseLibrary, readGovernanceFor, toJsonl, MAX_REPORTED } from "../../src/library/io.js";
import { DEFAULT_GOVERNANCE } from "../../src/governance/rules.js";
import { isCuratorError } from "../../src/errors.js";
import { libraryArb } from "./arbitraries.js";

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("library JSONL", () => {
  it("reports a bad JSON line and a line missing id with their line numbers and the file name, all at once", () => {
    const text = [
      '{"id":"a","kind":"skill","content":"x"}',
      "{not json",
      "",
      '{"kind":"context","content":"no id"}',
      '{"id":"b","kind":"memo","content":"y"}',
      '{"id":"a","kind":"skill","content":"again"}',
    ].join("\n");
    const e = errorOf(() => parseLibrary(text, "lib.jsonl"));
    expect(isCuratorError(e)).toBe(true);
    expect(e.code).toBe("INVALID_FILE");
    expect(e.message).toContain("'lib.jsonl' has 4 problem(s)");
    expect(e.message).toMatch(/line 2: not valid JSON/);
    expect(e.message).toMatch(/line 4: missing 'id'/);
    expect(e.message).toMatch(/line 5: kind: /);
    expect(e.message).toMatch(/line 6: duplicate id 'a' \(first at line 1\)/);
  });

  it("lists at most MAX_REPORTED problems and says there are more", () => {
    const text = Array.from({ length: 40 }, () => "nope").join("\n");
    const e = errorOf(() => parseLibrary(text, "big.jsonl"));
    expect(e.message).toContain(`more than ${MAX_REPORTED} problem(s)`);
    expect(e.message).toContain(`line ${MAX_REPORTED}: not valid JSON`);
    expect(e.message).not.toContain(`line ${MAX_REPORTED + 2}:`);
  });

  it("carries items through exactly: key order, meta and unknown-to-us nested values untouched", () => {
    const line =
      '{"meta":{"z":1,"a":{"deep":[1,{"y":null}]}},"content":"c","kind":"skill","id":"q","stats":{"recentFailures":1,"createdAt":3}}';
    const [item] = parseLibrary(`${line}\n`, "x.jsonl");
    expect(JSON.stringify(item)).toBe(line);
  });

  it("round-trips any generated library; strips a BOM and CRLF line ends", () => {
    fc.assert(
      fc.property(libraryArb(), (items) => {
        expect(parseLibrary(toJsonl(items), "gen.jsonl")).toEqual(items);
        expect(parseLibrary(`\uFEFF${toJsonl(items).replace(/\n/g, "\r\n")}`, "gen.jsonl")).toEqual(items);
      }),
      { numRuns: 1000 },
    );
  });

  it("never crashes on mutated input: truncated, bit-flipped, fields removed — a clean parse or a clean error", () => {
    fc.assert(
      fc.property(
        libraryArb(8),
        fc.nat(),
        fc.nat(255),
        fc.constantFrom("truncate", "flip", "drop"),
        (items, pos, bits, how) => {
          let text = toJsonl(items);
          if (text.length === 0) return;
          const p = pos % text.length;
          if (how === "truncate") text = text.slice(0, p);
          else if (how === "flip")
            text = text.slice(0, p) + String.fromCharCode(text.charCodeAt(p) ^ (bits || 1)) + text.slice(p + 1);
          else
            text = toJsonl(
              items.map((it, i) => (i === p % items.length ? Object.fromEntries(Object.entries(it).slice(1)) : it)),
            );
          try {
            parseLibrary(text, "m.jsonl");
          } catch (e) {
            expect(isCuratorError(e)).toBe(true);
            // a flipped first "{" turns the file into a JSON array, refused with its own message
            expect((e as Error).message).toMatch(/'m\.jsonl' (has .*problem.*\n\s+line \d+: |is a JSON array)/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("governance carried by the library", () => {
  it("defaults to DEFAULT_GOVERNANCE (10% change cap) without governance.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "gov-"));
    writeFileSync(join(dir, "library.jsonl"), "");
    expect(readGovernanceFor(join(dir, "library.jsonl"))).toEqual({ rules: DEFAULT_GOVERNANCE, source: null });
    expect(DEFAULT_GOVERNANCE.maxChangeShare).toBe(0.1);
  });

  it("reads governance.json beside the library, and names the file and field when it is wrong", () => {
    const dir = mkdtempSync(join(tmpdir(), "gov-"));
    const lib = join(dir, "library.jsonl");
    writeFileSync(lib, '{"id":"a","kind":"skill","content":"x","pinned":true}\n');
    writeFileSync(join(dir, "governance.json"), JSON.stringify({ maxChangeShare: 0.25, protectedTags: ["core"] }));
    const loaded = loadLibrary(lib);
    expect(loaded.governance.rules).toMatchObject({ maxChangeShare: 0.25, protectedTags: ["core"], minAgeToRetire: 0 });
    expect(loaded.governance.source).toBe(join(dir, "governance.json"));
    writeFileSync(join(dir, "governance.json"), JSON.stringify({ maxChangeShare: 2, retireEverything: true }));
    const e = errorOf(() => loadLibrary(lib));
    expect(e.message).toContain(join(dir, "governance.json"));
    expect(e.message).toMatch(/maxChangeShare/);
    expect(e.message).toMatch(/retireEverything/);
  });
});
