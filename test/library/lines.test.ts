/** Input hygiene and line-by-line reading (issue 12 point 7, issue 15 sizes). */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { forEachLine, LineWriter } from "../../src/util/lines.js";
import { readLibraryFile, toJsonl } from "../../src/library/io.js";
import { curateLibrary } from "../../src/library/curate.js";
import { CuratorError } from "../../src/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "lines-"));

function refusal(fn: () => unknown): CuratorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CuratorError);
    return e as CuratorError;
  }
  throw new Error("expected a refusal");
}

describe("reading a library file", () => {
  it("refuses invalid UTF-8, naming the line (it used to become U+FFFD silently)", () => {
    const f = join(tmp(), "lib.jsonl");
    const good = Buffer.from('{"id":"a","kind":"skill","content":"ok é"}\n');
    const bad = Buffer.concat([
      Buffer.from('{"id":"b","kind":"skill","content":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n'),
    ]);
    writeFileSync(f, Buffer.concat([good, bad]));
    const e = refusal(() => readLibraryFile(f));
    expect(e.code).toBe("INVALID_FILE");
    expect(e.message).toMatch(/lib\.jsonl' line 2: not valid UTF-8 \(byte 40 of the line is 0xe9\)/);
  });

  it("names a JSON array file as such, not as 'line 1: missing id'", () => {
    const dir = tmp();
    const f = join(dir, "lib.json");
    writeFileSync(f, JSON.stringify([{ id: "a", kind: "skill", content: "x" }], null, 2));
    expect(refusal(() => readLibraryFile(f)).message).toMatch(
      /is a JSON array, expected JSONL: one JSON object per line/,
    );
    writeFileSync(f, JSON.stringify([{ id: "a", kind: "skill", content: "x" }]));
    expect(refusal(() => readLibraryFile(f)).message).toMatch(/is a JSON array/);
  });

  it("an empty library is refused (exit 2), saying so", async () => {
    const dir = tmp();
    const f = join(dir, "lib.jsonl");
    writeFileSync(f, "\n\n");
    const e = await curateLibrary({ model: "heuristic", library: f, executor: "mid", out: join(dir, "out") }).catch(
      (x) => x,
    );
    expect(e).toBeInstanceOf(CuratorError);
    expect(e.message).toMatch(/holds no items \(no non-blank lines\)/);
  });

  it("reads lines across chunk boundaries, multi-byte characters split by a chunk, CRLF, a BOM and a last line without newline", () => {
    const f = join(tmp(), "big.jsonl");
    const long = "é".repeat(700_000); // 1.4 MB: longer than one read chunk, with 2-byte characters straddling it
    writeFileSync(f, `\uFEFFfirst\r\n${long}\nx€y\nlast`);
    const seen: [string, number][] = [];
    forEachLine(f, (t, n) => void seen.push([t.length > 20 ? `${t.length}` : t, n]));
    expect(seen).toEqual([
      ["first", 1],
      ["700000", 2],
      ["x€y", 3],
      ["last", 4],
    ]);
  });

  it("writes through a buffer and round-trips a library of 50,000 items line by line", () => {
    const f = join(tmp(), "w.jsonl");
    const items = Array.from({ length: 50_000 }, (_, i) => ({ id: `i${i}`, kind: "skill" as const, content: `c${i}` }));
    const w = new LineWriter(f);
    for (const it of items) w.writeJson(it);
    w.close();
    expect(readFileSync(f, "utf8")).toBe(toJsonl(items));
    expect(readLibraryFile(f)).toEqual(items);
  });
});
