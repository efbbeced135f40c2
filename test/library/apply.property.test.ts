import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideWithCurator } from "../../src/runtime/decide.js";
import { resolveCurator } from "../../src/curators/resolve.js";
import { applyPass, planPass, restoreItem, ARCHIVE_FILE, LIBRARY_FILE } from "../../src/library/apply.js";
import { parseArchive, parseLibrary, toJsonl } from "../../src/library/io.js";
import { AUDIT_FILE, verifyAuditDir } from "../../src/governance/audit.js";
import { isCuratorError } from "../../src/errors.js";
import { curatorArb, executorArb, governanceArb, libraryArb } from "./arbitraries.js";
import { checkPass } from "./invariants.js";

const TIME = "2026-01-01T00:00:00.000Z";
const clock = () => new Date(TIME);

describe("a curation pass, for any library and any baseline curator (in memory)", () => {
  it("keeps live + archive = input, pinned items untouched, governance obeyed, one chained audit line per decision", async () => {
    await fc.assert(
      fc.asyncProperty(libraryArb(), governanceArb, curatorArb, executorArb, fc.option(fc.nat(1000), { nil: undefined }), async (items, rules, spec, exec, seed) => {
        const { curator, modelHash } = await resolveCurator(spec);
        const s = seed ?? (curator.stochastic ? 0 : undefined);
        const r = await decideWithCurator(curator, modelHash, items, exec, { governance: rules, sample: s === undefined ? undefined : { seed: s } });
        const plan = planPass({ items, decisions: r.decisions, archive: [], head: null, curator: r.curator, modelHash, time: TIME });
        checkPass(items, r.decisions, plan, rules);
      }),
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
  it("the archive accumulates, the chain continues and verifies, restore brings items back whole", async () => {
    await fc.assert(
      fc.asyncProperty(libraryArb(20), governanceArb, curatorArb, fc.nat(1000), async (items, rules, spec, seed) => {
        const dir = mkdtempSync(join(tmpdir(), "apply-"));
        const libPath = join(dir, "input.jsonl");
        writeFileSync(libPath, toJsonl(items));
        const input = parseLibrary(readFileSync(libPath, "utf8"), libPath);
        expect(input).toEqual(items);
        const out = join(dir, "out");
        const { curator, modelHash } = await resolveCurator(spec);
        const pass = async (lib: typeof items) => {
          const r = await decideWithCurator(curator, modelHash, lib, "weak", { governance: rules, sample: { seed } });
          await applyPass(lib, r.decisions, { out, curator: r.curator, modelHash, governanceSource: null, clock });
          return r.decisions;
        };
        const d1 = await pass(input);
        const live1 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
        const d2 = await pass(live1);
        const live2 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
        const archive = parseArchive(readFileSync(join(out, ARCHIVE_FILE), "utf8"), "archive");
        // Nothing lost across two passes: every input id is live or archived exactly once, content intact.
        const ids = [...live2.map((i) => i.id), ...archive.map((e) => e.item.id)].sort();
        expect(ids).toEqual(items.map((i) => i.id).sort());
        for (const e of archive) expect(e.item).toEqual(live1.find((i) => i.id === e.item.id) ?? items.find((i) => i.id === e.item.id));
        const v = verifyAuditDir(out);
        expect(v).toMatchObject({ ok: true, lines: d1.length + d2.length });
        if (archive.length > 0) {
          const back = archive[seed % archive.length].item;
          await restoreItem(out, back.id, clock);
          const live3 = parseLibrary(readFileSync(join(out, LIBRARY_FILE), "utf8"), "live");
          expect(live3[live3.length - 1]).toEqual(back);
          expect(parseArchive(readFileSync(join(out, ARCHIVE_FILE), "utf8"), "a").map((e) => e.item.id)).not.toContain(back.id);
          expect(verifyAuditDir(out)).toMatchObject({ ok: true, lines: d1.length + d2.length + 1 });
          const last = readFileSync(join(out, AUDIT_FILE), "utf8").trim().split("\n").pop()!;
          expect(JSON.parse(last)).toMatchObject({ action: "restore", itemId: back.id, curator: "user" });
        }
      }),
      { numRuns: 60 },
    );
  });

  it("restoring an unknown id fails clearly and changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-"));
    const items = [{ id: "a", kind: "skill" as const, content: "x" }];
    const { curator, modelHash } = await resolveCurator("none");
    const r = await decideWithCurator(curator, modelHash, items, "mid");
    await applyPass(items, r.decisions, { out: dir, curator: "none", modelHash, governanceSource: null, clock });
    const before = [LIBRARY_FILE, ARCHIVE_FILE, AUDIT_FILE].map((f) => readFileSync(join(dir, f), "utf8"));
    const err = await restoreItem(dir, "nope", clock).catch((e) => e);
    expect(isCuratorError(err)).toBe(true);
    expect(err.message).toMatch(/No item 'nope' in .*archive\.jsonl \(the archive is empty\)\. Nothing was changed\./);
    expect([LIBRARY_FILE, ARCHIVE_FILE, AUDIT_FILE].map((f) => readFileSync(join(dir, f), "utf8"))).toEqual(before);
  });

  it("refuses an --out holding other files, and input items that are already archived there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foreign-"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    const items = [{ id: "a", kind: "skill" as const, content: "x" }];
    const { curator, modelHash } = await resolveCurator("none");
    const r = await decideWithCurator(curator, modelHash, items, "mid");
    await expect(applyPass(items, r.decisions, { out: dir, curator: "none", modelHash, governanceSource: null })).rejects.toThrow(/notes\.txt/);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");

    const out = mkdtempSync(join(tmpdir(), "twice-"));
    const retire = [{ id: "a", action: "retire" as const, probs: { keep: 0, compress: 0, rewrite: 0, retire: 1 }, allowed: ["keep", "retire"] as const, reason: "t" }];
    await applyPass(items, retire.map((d) => ({ ...d, allowed: [...d.allowed] })), { out, curator: "t", modelHash, governanceSource: null });
    await expect(applyPass(items, r.decisions, { out, curator: "none", modelHash, governanceSource: null })).rejects.toThrow(/already in the output folder's archive\.jsonl: a/);

    // A writer holding the folder's lock keeps others out; nothing changes meanwhile.
    const audit = readFileSync(join(out, AUDIT_FILE), "utf8");
    mkdirSync(`${out}.lock`);
    await expect(restoreItem(out, "a", clock)).rejects.toThrow(/Another curator process is writing/);
    expect(readFileSync(join(out, AUDIT_FILE), "utf8")).toBe(audit);
    rmSync(`${out}.lock`, { recursive: true });
    await restoreItem(out, "a", clock);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
