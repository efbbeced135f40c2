import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { resolveCurator } from "../../src/curators/resolve.js";
import { planPass, restoreItem, ARCHIVE_FILE, LIBRARY_FILE } from "../../src/library/apply.js";
import { curateLibrary } from "../../src/library/curate.js";
import { verifyFolder } from "../../src/library/verify.js";
import { parseArchive, parseLibrary, toJsonl } from "../../src/library/io.js";
import { AUDIT_FILE } from "../../src/governance/audit.js";
import { isCuratorError } from "../../src/errors.js";
import { curatorArb, executorArb, governanceArb, libraryArb } from "./arbitraries.js";
import { checkPass } from "./invariants.js";

const TIME = "2026-01-01T00:00:00.000Z";
const clock = () => new Date(TIME);

describe("a curation pass, for any library and any baseline curator (in memory)", () => {
  it("keeps live + archive = input, pinned items untouched, governance obeyed, one chained audit line per decision", async () => {
    await fc.assert(
      fc.asyncProperty(
        libraryArb(),
        governanceArb,
        curatorArb,
        executorArb,
        fc.option(fc.nat(1000), { nil: undefined }),
        async (items, rules, spec, exec, seed) => {
          const { curator, modelHash } = await resolveCurator(spec);
          const s = seed ?? (curator.stochastic ? 0 : undefined);
          const r = await decideWithCurator(curator, modelHash, items, exec, {
            governance: rules,
            sample: s === undefined ? undefined : { seed: s },
          });
          const plan = planPass({
            items,
            decisions: r.decisions,
            head: null,
            curator: r.curator,
            modelHash,
            time: TIME,
          });
          checkPass(items, r.decisions, plan, rules);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("is deterministic: the same seed gives the same decisions; argmax ignores nothing random", async () => {
    await fc.assert(
      fc.asyncProperty(libraryArb(15), governanceArb, curatorArb, fc.nat(1000), async (items, rules, spec, seed) => {
        const { curator, modelHash } = await resolveCurator(spec);
        const a = await decideWithCurator(curator, modelHash, items, "mid", { governance: rules, sample: { seed } });
        const b = await decideWithCurator(curator, modelHash, items, "mid", { governance: rules, sample: { seed } });
        expect(b.decisions).toEqual(a.decisions);
        const c = await decideWithCurator(curator, modelHash, items, "mid", { governance: rules });
        const d = await decideWithCurator(curator, modelHash, items, "mid", { governance: rules });
        expect(d.decisions).toEqual(c.decisions);
      }),
      { numRuns: 300 },
    );
  });
});

describe("a curation pass written to a folder, repeated, then restored", () => {
  it("the archive accumulates, the chain continues, the folder verifies, restore brings items back whole", async () => {
    await fc.assert(
      fc.asyncProperty(libraryArb(20), governanceArb, curatorArb, fc.nat(1000), async (items, rules, spec, seed) => {
        const dir = mkdtempSync(join(tmpdir(), "apply-"));
        const libPath = join(dir, "input.jsonl");
        writeFileSync(libPath, toJsonl(items));
        writeFileSync(join(dir, "governance.json"), JSON.stringify(rules));
        const out = join(dir, "out");
        const pass = (library: string, now?: number) =>
          curateLibrary({ model: spec, library, executor: "weak", out, seed, now, clock });
        if (items.length === 0) {
          await expect(pass(libPath)).rejects.toThrow(/holds no items/);
          return;
        }
        const p1 = await pass(libPath);
        const live1 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
        // A later window: every live item is decided again.
        const p2 = await pass(out, p1.window + 1);
        const live2 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
        const archive = parseArchive(readFileSync(join(out, ARCHIVE_FILE), "utf8"), "archive");
        expect(p2.decisions.length).toBe(live1.length);
        // Nothing lost across two passes: every input id is live or archived exactly once, content intact.
        const ids = [...live2.map((i) => i.id), ...archive.map((e) => e.item.id)].sort();
        expect(ids).toEqual(items.map((i) => i.id).sort());
        for (const e of archive)
          expect(e.item).toEqual(live1.find((i) => i.id === e.item.id) ?? items.find((i) => i.id === e.item.id));
        const lines = items.length + live1.length + 2;
        expect(verifyFolder(out)).toMatchObject({ lines, live: live2.length, archived: archive.length });
        if (archive.length > 0) {
          const back = archive[seed % archive.length].item;
          await restoreItem(out, back.id, clock);
          const live3 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
          expect(live3[live3.length - 1]).toEqual(back);
          expect(parseArchive(readFileSync(join(out, ARCHIVE_FILE), "utf8"), "a").map((e) => e.item.id)).not.toContain(
            back.id,
          );
          expect(verifyFolder(out)).toMatchObject({ lines: lines + 1 });
          const last = readFileSync(join(out, AUDIT_FILE), "utf8").trim().split("\n").pop()!;
          expect(JSON.parse(last)).toMatchObject({
            action: "restore",
            itemId: back.id,
            curator: "user",
            where: "live",
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it("restoring an unknown id fails clearly and changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-"));
    const lib = join(dir, "lib.jsonl");
    writeFileSync(lib, toJsonl([{ id: "a", kind: "skill", content: "x" }]));
    const out = join(dir, "out");
    await curateLibrary({ model: "none", library: lib, executor: "mid", out, clock });
    const before = [LIBRARY_FILE, ARCHIVE_FILE, AUDIT_FILE].map((f) => readFileSync(join(out, f), "utf8"));
    const err = await restoreItem(out, "nope", clock).catch((e) => e);
    expect(isCuratorError(err)).toBe(true);
    expect(err.message).toMatch(/No item 'nope' in .*archive\.jsonl \(the archive is empty\)\. Nothing was changed\./);
    const live = await restoreItem(out, "a", clock).catch((e) => e);
    expect(live.message).toMatch(/it is live \(audit line 1\)/);
    expect([LIBRARY_FILE, ARCHIVE_FILE, AUDIT_FILE].map((f) => readFileSync(join(out, f), "utf8"))).toEqual(before);
  });

  it("refuses an --out holding other files, and input items that are already archived there; a lock keeps writers out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foreign-"));
    const lib = join(dir, "lib.jsonl");
    writeFileSync(
      lib,
      toJsonl([
        {
          id: "a",
          kind: "skill",
          content: "x",
          stats: { createdAt: 0, timesRetrieved: 9, failures: 9, recentFailures: 5, lastRetrievedAt: 9 },
        },
      ]),
    );
    const foreign = join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    await expect(curateLibrary({ model: "none", library: lib, executor: "mid", out: foreign })).rejects.toThrow(
      /notes\.txt/,
    );
    expect(readFileSync(join(foreign, "notes.txt"), "utf8")).toBe("mine");

    writeFileSync(join(dir, "governance.json"), JSON.stringify({ maxChangeShare: 1 }));
    const out = join(dir, "out");
    const first = await curateLibrary({ model: "heuristic", library: lib, executor: "mid", out, clock });
    expect(first.decisions[0].action).toBe("retire");
    await expect(curateLibrary({ model: "none", library: lib, executor: "mid", out })).rejects.toThrow(
      /already in the output folder's archive\.jsonl: 'a'/,
    );

    const audit = readFileSync(join(out, AUDIT_FILE), "utf8");
    mkdirSync(`${out}.lock`);
    await expect(restoreItem(out, "a", clock)).rejects.toThrow(/Another curator process is writing/);
    expect(readFileSync(join(out, AUDIT_FILE), "utf8")).toBe(audit);
    rmSync(`${out}.lock`, { recursive: true });
    await restoreItem(out, "a", clock);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
