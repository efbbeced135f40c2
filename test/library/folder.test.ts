/**
 * A decide output folder is a library with a history (issue 12 points 3–6): later passes continue it and never
 * lose an item; passes without new evidence change nothing; the change cap holds per evidence window; a
 * restore sticks; the folder's governance applies; `audit verify` proves live + archive item by item.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { curateLibrary, type CurateOptions } from "../../src/library/curate.js";
import { restoreItem } from "../../src/library/apply.js";
import { verifyFolder } from "../../src/library/verify.js";
import { toJsonl, type LiveItem } from "../../src/library/io.js";
import { AUDIT_FILE, AUDIT_HEAD_FILE, GENESIS_HASH, auditLine, entryHash } from "../../src/governance/audit.js";
import { CuratorError } from "../../src/errors.js";

const clock = () => new Date("2026-01-01T00:00:00.000Z");

/** A library the heuristic wants to change a lot of: many failing or never-retrieved items. */
function library(prefix: string, n: number): LiveItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    kind: i % 2 ? "skill" : "context",
    content: `${prefix} item ${i} ${"detail ".repeat(i % 7)}`,
    stats: {
      createdAt: i % 20,
      lastRetrievedAt: i % 3 === 0 ? null : 60 + (i % 40),
      timesRetrieved: i % 3 === 0 ? 0 : 5 + (i % 9),
      successes: i % 4 === 0 ? 0 : 4,
      failures: i % 4 === 0 ? 8 : 1,
      recentFailures: i % 4 === 0 ? 4 : 0,
    },
  }));
}

function setup(items: LiveItem[], governance?: object): { dir: string; lib: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "folder-"));
  const lib = join(dir, "lib.jsonl");
  writeFileSync(lib, toJsonl(items));
  if (governance) writeFileSync(join(dir, "governance.json"), JSON.stringify(governance));
  return { dir, lib, out: join(dir, "Q") };
}

const decide = (o: Partial<CurateOptions> & { library: string; out: string }) =>
  curateLibrary({ model: "heuristic", executor: "mid", clock, ...o });

const read = (dir: string, f: string) => readFileSync(join(dir, f), "utf8");
const jsonl = (dir: string, f: string) =>
  read(dir, f)
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const liveIds = (dir: string) => jsonl(dir, "library.jsonl").map((i) => i.id as string);
const archivedIds = (dir: string) => jsonl(dir, "archive.jsonl").map((e) => e.item.id as string);

async function refusal(p: Promise<unknown>): Promise<CuratorError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CuratorError);
  return e as CuratorError;
}

describe("an output folder continues, never replaces", () => {
  it("deciding library B into Q (which holds A) is refused; no item of A is lost", async () => {
    const { dir, lib, out } = setup(library("a", 60));
    await decide({ library: lib, out });
    const before = ["library.jsonl", "archive.jsonl", AUDIT_FILE].map((f) => read(out, f));
    const libB = join(dir, "b.jsonl");
    writeFileSync(libB, toJsonl(library("b", 30)));
    const e = await refusal(decide({ library: libB, out }));
    expect(e.message).toMatch(
      /lacks \d+ item\(s\) that are live in .*Q': 'a\d+'.*decide the folder's own library \(--library '.*Q'\).*choose a new --out/s,
    );
    expect(["library.jsonl", "archive.jsonl", AUDIT_FILE].map((f) => read(out, f))).toEqual(before);
    // A newer copy of Q's library kept elsewhere (all of Q's live items, plus a new one) continues it.
    const newer = [...jsonl(out, "library.jsonl"), ...library("b", 1)];
    writeFileSync(libB, toJsonl(newer));
    await decide({ library: libB, out });
    expect([...liveIds(out), ...archivedIds(out)].sort()).toEqual([...library("a", 60).map((i) => i.id), "b0"].sort());
    expect(verifyFolder(out).live).toBe(liveIds(out).length);
  });

  it("a hand-made folder with a library.jsonl is refused as --out (its items survive) and accepted as --library", async () => {
    const { dir, lib } = setup(library("a", 10));
    const hand = join(dir, "hand");
    mkdirSync(hand);
    writeFileSync(join(hand, "library.jsonl"), read(dir, "lib.jsonl"));
    const e = await refusal(decide({ library: lib, out: hand }));
    expect(e.code).toBe("OUTPUT_EXISTS");
    expect(e.message).toMatch(
      /not a curator decide output \(library\.jsonl; no curator-folder\.json\).*--library '.*hand'/s,
    );
    expect(read(hand, "library.jsonl")).toBe(read(dir, "lib.jsonl"));
    const r = await decide({ library: hand, out: join(dir, "new") });
    expect(r.items.length).toBe(10);
  });

  it("an --out that is a symlink is followed: the link stays, its target is continued", async () => {
    const { dir, lib, out } = setup(library("a", 20));
    await decide({ library: lib, out });
    const link = join(dir, "link");
    symlinkSync(out, link);
    const lines = verifyFolder(out).lines;
    await decide({ library: link, out: link, now: 500 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(out);
    expect(verifyFolder(out).lines).toBeGreaterThan(lines);
    symlinkSync(lib, join(dir, "lib-link.jsonl"));
    expect((await decide({ library: join(dir, "lib-link.jsonl"), out: join(dir, "other") })).items.length).toBe(20);
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
    expect((await refusal(decide({ library: lib, out: join(dir, "dangling") }))).message).toMatch(
      /symbolic link to a path that does not exist/,
    );
  });
});

describe("stable passes", () => {
  it("ten passes over its own output with no new evidence: the 2nd and later change nothing", async () => {
    const { lib, out } = setup(library("a", 200));
    const first = await decide({ library: lib, out });
    expect(first.counts.retire + first.counts.rewrite).toBe(20);
    const live = read(out, "library.jsonl");
    const archive = read(out, "archive.jsonl");
    for (let pass = 2; pass <= 10; pass++) {
      const r = await decide({ library: out, out });
      expect(r.decisions).toEqual([]);
      expect(r.unchanged).toBe(first.written!.live);
      expect(read(out, "library.jsonl")).toBe(live);
      expect(read(out, "archive.jsonl")).toBe(archive);
    }
    // Each later pass left one `pass` line and nothing else.
    expect(verifyFolder(out).lines).toBe(200 + 1 + 9);
  });

  it("the change cap counts per evidence window: new evidence within the same window gets only what is left", async () => {
    const { dir, lib, out } = setup(library("a", 100));
    const first = await decide({ library: lib, out });
    const used = first.counts.retire + first.counts.rewrite;
    expect(used).toBe(10);
    // Fresh failures on every live item, same task index (a retried job with updated counters).
    const worse = jsonl(out, "library.jsonl").map((it) => ({
      ...it,
      stats: { ...it.stats, failures: (it.stats.failures ?? 0) + 20, recentFailures: 5 },
    }));
    const again = join(dir, "again.jsonl");
    writeFileSync(again, toJsonl(worse));
    const second = await decide({ library: again, out });
    expect(second.window).toBe(first.window);
    expect(second.decisions.length).toBe(worse.length);
    expect(second.changesBefore).toBe(10);
    expect(second.counts.retire + second.counts.rewrite).toBe(0);
    // A new window (a later task index) brings a new budget.
    const third = await decide({ library: out, out, now: first.window + 10 });
    expect(third.counts.retire + third.counts.rewrite).toBeGreaterThan(0);
    expect(third.counts.retire + third.counts.rewrite).toBeLessThanOrEqual(third.changeCap);
  });

  it("restore, then a pass with no new evidence: the item stays live; new evidence about it lets it be decided again", async () => {
    const { dir, lib, out } = setup(library("a", 60));
    await decide({ library: lib, out });
    const id = archivedIds(out)[0];
    await restoreItem(out, id, clock);
    const r = await decide({ library: out, out });
    expect(r.decisions.map((d) => d.id)).not.toContain(id);
    await decide({ library: out, out, now: 400 });
    expect(liveIds(out)).toContain(id);
    // New evidence about the item itself: decided again (and retired again, it is still failing).
    const items = jsonl(out, "library.jsonl").map((it) =>
      it.id === id ? { ...it, stats: { ...it.stats, failures: it.stats.failures + 1 } } : it,
    );
    const next = join(dir, "next.jsonl");
    writeFileSync(next, toJsonl(items));
    const later = await decide({ library: next, out, now: 401 });
    expect(later.decisions.find((d) => d.id === id)).toBeDefined();
  });
});

describe("edge passes", () => {
  it("a dry run reads the folder's history; a folder whose live library became empty is a valid state", async () => {
    const { lib, out } = setup(library("a", 40));
    await decide({ library: lib, out });
    const dry = await curateLibrary({
      model: "heuristic",
      executor: "mid",
      library: lib.replace("lib.jsonl", "Q"),
      out,
      dryRun: true,
    });
    expect(dry.decisions).toEqual([]);
    expect(dry.written).toBeNull();
    const one = setup(
      [
        {
          id: "x",
          kind: "skill",
          content: "c",
          stats: { createdAt: 0, lastRetrievedAt: 9, timesRetrieved: 9, failures: 9, recentFailures: 5 },
        },
      ],
      { maxChangeShare: 1 },
    );
    expect((await decide({ library: one.lib, out: one.out })).counts.retire).toBe(1);
    const empty = await decide({ library: one.out, out: one.out });
    expect(empty.items).toEqual([]);
    expect(verifyFolder(one.out)).toMatchObject({ live: 0, archived: 1, lines: 3 });
  });
});

describe("the folder's governance applies to every pass over it", () => {
  it("maxChangeShare 0 in the folder holds when the library is read from elsewhere; a looser input is refused, a stricter one applies", async () => {
    const { dir, lib, out } = setup(library("a", 100), { maxChangeShare: 0 });
    const first = await decide({ library: lib, out });
    expect(first.counts.retire + first.counts.rewrite).toBe(0);
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "lib.jsonl"), read(out, "library.jsonl"));
    const second = await decide({ library: join(elsewhere, "lib.jsonl"), out, now: 300 });
    expect(second.governanceSource).toBe(join(out, "governance.json"));
    expect(second.counts.retire + second.counts.rewrite).toBe(0);
    expect(archivedIds(out)).toEqual([]);

    writeFileSync(join(elsewhere, "governance.json"), JSON.stringify({ maxChangeShare: 0.5 }));
    const e = await refusal(decide({ library: join(elsewhere, "lib.jsonl"), out, now: 301 }));
    expect(e.message).toMatch(/looser than the rules of the output folder .*maxChangeShare 0\.5 > 0/);
    writeFileSync(join(elsewhere, "governance.json"), JSON.stringify({ maxChangeShare: 0, protectedKinds: ["skill"] }));
    const third = await decide({ library: join(elsewhere, "lib.jsonl"), out, now: 302 });
    expect(third.governance.protectedKinds).toEqual(["skill"]);
    expect(JSON.parse(read(out, "governance.json")).protectedKinds).toEqual(["skill"]);
    expect(verifyFolder(out).lines).toBeGreaterThan(0);
  });
});

describe("audit verify proves the state", () => {
  async function folder(): Promise<string> {
    const { lib, out } = setup(library("a", 60));
    await decide({ library: lib, out });
    expect(archivedIds(out).length).toBeGreaterThan(2);
    return out;
  }
  const failure = (dir: string, head?: string) => {
    try {
      verifyFolder(dir, head);
    } catch (e) {
      expect(e).toBeInstanceOf(CuratorError);
      return (e as Error).message;
    }
    throw new Error("verify passed");
  };

  it("names an edited archived item, a deleted live item, removed archive lines, an edited live item", async () => {
    let out = await folder();
    const arch = jsonl(out, "archive.jsonl");
    writeFileSync(
      join(out, "archive.jsonl"),
      toJsonl(arch.map((e, i) => (i === 1 ? { ...e, item: { ...e.item, content: "edited" } } : e))),
    );
    expect(failure(out)).toMatch(
      new RegExp(
        `archive\\.jsonl line 2: archived item '${arch[1].item.id}' differs from the content the audit log bound`,
      ),
    );

    out = await folder();
    const live = jsonl(out, "library.jsonl");
    writeFileSync(join(out, "library.jsonl"), toJsonl(live.slice(1)));
    expect(failure(out)).toContain(`live item '${live[0].id}' (audit line`);
    expect(failure(out)).toMatch(/is missing from .*library\.jsonl \(deleted\)/);

    out = await folder();
    const arch2 = jsonl(out, "archive.jsonl");
    writeFileSync(join(out, "archive.jsonl"), toJsonl(arch2.slice(2)));
    expect(failure(out)).toMatch(
      new RegExp(`archived item '${arch2[0].item.id}' .* is missing from .*archive\\.jsonl \\(removed\\)`),
    );

    out = await folder();
    writeFileSync(
      join(out, "library.jsonl"),
      read(out, "library.jsonl").replace(/"content":"a item/, '"content":"A item'),
    );
    expect(failure(out)).toMatch(
      /live item 'a\d+' differs from the content the audit log bound at line \d+ \(edited outside curator\)/,
    );
  });

  it("a missing folder, log or head is a failure, never OK (0 lines)", async () => {
    expect(failure(join(tmpdir(), "no-such-folder-xyz"))).toMatch(/does not exist/);
    let out = await folder();
    rmSync(join(out, AUDIT_FILE));
    rmSync(join(out, AUDIT_HEAD_FILE));
    expect(failure(out)).toMatch(/audit\.jsonl is missing/);
    out = await folder();
    rmSync(join(out, AUDIT_HEAD_FILE));
    expect(failure(out)).toMatch(/audit\.head\.json is missing/);
    const empty = mkdtempSync(join(tmpdir(), "empty-"));
    expect(failure(empty)).toMatch(/not a decide output folder \(it is empty\)/);
  });

  it("prints the head; --expect-head catches a cut tail with a rewritten head", async () => {
    const out = await folder();
    const { head } = verifyFolder(out);
    expect(verifyFolder(out, head.hash).head).toEqual(head);
    // Cut the last pass line and rewrite the head beside it to match: only the outside anchor sees it.
    const lines = read(out, AUDIT_FILE).trim().split("\n");
    const kept = lines.slice(0, -1);
    writeFileSync(join(out, AUDIT_FILE), `${kept.join("\n")}\n`);
    const last = JSON.parse(kept[kept.length - 1]);
    writeFileSync(join(out, AUDIT_HEAD_FILE), JSON.stringify({ lines: kept.length, hash: last.hash }));
    expect(verifyFolder(out).lines).toBe(kept.length);
    expect(failure(out, head.hash)).toMatch(new RegExp(`ends at hash ${last.hash} .*not the expected ${head.hash}`));
  });

  it("a format 1 folder (earlier curator) is refused by verify and by decide, naming the format and the way out", async () => {
    const { lib, dir } = setup(library("a", 5));
    const old = join(dir, "old");
    mkdirSync(old);
    const base = {
      seq: 1,
      time: "t",
      itemId: "a0",
      action: "keep",
      probs: null,
      allowed: null,
      reason: "r",
      modelHash: null,
      curator: "c",
      prevHash: GENESIS_HASH,
    };
    const line = { ...base, hash: entryHash(base) };
    writeFileSync(join(old, AUDIT_FILE), auditLine(line as never));
    writeFileSync(join(old, AUDIT_HEAD_FILE), JSON.stringify({ lines: 1, hash: line.hash }));
    writeFileSync(join(old, "library.jsonl"), toJsonl(library("a", 1)));
    writeFileSync(join(old, "archive.jsonl"), "");
    expect(failure(old)).toMatch(
      /format 1 decide folder .*hash chain is intact \(1 lines\).*--library '.*old' --out NEW_FOLDER/s,
    );
    const e = await refusal(decide({ library: lib, out: old }));
    expect(e.code).toBe("VERSION_MISMATCH");
    expect(existsSync(join(old, "curator-folder.json"))).toBe(false);
  });
});
