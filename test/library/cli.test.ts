/** `curator decide / restore / audit verify` end to end, through the built CLI (dist/, built by `pretest`). */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { exportToOnnx } from "../../src/export/onnx.js";
import { useBackend } from "../../src/train/tf.js";
import { makeTinyModelDir } from "../helpers/tiny-model.js";

const ROOT = process.cwd();
const CLI = join(ROOT, "dist/cli/main.js");
const MINE = [
  "cli/commands/decide",
  "cli/commands/restore",
  "cli/commands/audit",
  "library/apply",
  "library/io",
  "library/curate",
  "library/folder",
  "library/history",
  "util/lines",
  "library/verify",
  "runtime/decide",
  "governance/audit",
  "governance/rules",
];

/** Rebuilds dist/ when it is missing or older than these sources (e.g. vitest run without `npm test`). */
beforeAll(() => {
  const stale = MINE.some((m) => {
    const js = join(ROOT, "dist", `${m}.js`);
    return !existsSync(js) || statSync(js).mtimeMs < statSync(join(ROOT, "src", `${m}.ts`)).mtimeMs;
  });
  if (stale) spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  if (!existsSync(CLI)) throw new Error("dist/cli/main.js is missing: run `npm run build`.");
}, 300_000);

const run = (args: string[]) => spawnSync("node", [CLI, ...args], { encoding: "utf8" });

const LIB = [
  {
    id: "failing",
    kind: "skill",
    content: "def parse(p): return p.split(',')",
    stats: { createdAt: 0, lastRetrievedAt: 90, timesRetrieved: 12, successes: 1, failures: 11, recentFailures: 5 },
  },
  {
    id: "stale",
    kind: "context",
    content: "deploy with v1 api",
    stats: { createdAt: 1, lastRetrievedAt: 2, timesRetrieved: 1, successes: 1 },
  },
  {
    id: "pinned",
    kind: "context",
    content: "never push to main",
    pinned: true,
    stats: { createdAt: 3, lastRetrievedAt: null },
  },
  {
    id: "good",
    kind: "skill",
    content: "use retries with backoff",
    tags: ["core"],
    meta: { owner: { team: "infra" } },
    stats: { createdAt: 5, lastRetrievedAt: 99, timesRetrieved: 40, successes: 36, failures: 4 },
  },
  {
    id: "long",
    kind: "context",
    content: "word ".repeat(900),
    stats: { createdAt: 10, lastRetrievedAt: 100, timesRetrieved: 5, successes: 4, failures: 1 },
  },
];

function makeLibrary(governance?: object): { dir: string; lib: string } {
  const dir = mkdtempSync(join(tmpdir(), "decide-cli-"));
  const lib = join(dir, "lib.jsonl");
  writeFileSync(lib, LIB.map((l) => JSON.stringify(l)).join("\n") + "\n");
  if (governance) writeFileSync(join(dir, "governance.json"), JSON.stringify(governance));
  return { dir, lib };
}

// Each CLI call starts a fresh node process that loads every command's dependencies: slow on a busy machine.
describe("curator decide", { timeout: 400_000 }, () => {
  it("--dry-run prints the review table and writes nothing", () => {
    const { dir, lib } = makeLibrary();
    const before = readdirSync(dir);
    const r = run([
      "decide",
      "--model",
      "heuristic",
      "--library",
      lib,
      "--executor",
      "mid",
      "--dry-run",
      "--out",
      join(dir, "out"),
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/item\s+action\s+p\s+content\s+why/);
    expect(r.stdout).toMatch(/failing\s+retire\s+1\.000\s+def parse.*failing: 1 of 12 tasks with it succeeded/);
    expect(r.stdout).toMatch(/pinned\s+keep\s+1\.000\s+never push to main\s+pinned \(only keep allowed\)/);
    expect(r.stdout).toContain("default governance");
    expect(r.stdout).toContain("Dry run: nothing was written.");
    expect(readdirSync(dir)).toEqual(before);
  });

  it("writes live/archive/audit; a second pass appends to the chain; restore and audit verify work; tampering exits 2", () => {
    const { dir, lib } = makeLibrary({ maxChangeShare: 0.5, protectedTags: ["core"] });
    const out = join(dir, "out");
    const first = JSON.parse(
      execFileSync(
        "node",
        [CLI, "decide", "--model", "heuristic", "--library", lib, "--executor", "mid", "--out", out, "--json"],
        { encoding: "utf8" },
      ),
    );
    expect(first.governanceSource).toBe(join(dir, "governance.json"));
    expect(first.counts.retire).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual([
      ".curator-output.json",
      "archive.jsonl",
      "audit.head.json",
      "audit.jsonl",
      "curator-folder.json",
      "governance.json",
      "library.jsonl",
    ]);
    const live = readFileSync(join(out, "library.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const archive = readFileSync(join(out, "archive.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // live + archive = input, by id and content (live items may only gain a pending marker).
    expect([...live.map((i) => i.id), ...archive.map((e) => e.item.id)].sort()).toEqual(LIB.map((i) => i.id).sort());
    for (const e of archive) expect(e.item).toEqual(LIB.find((i) => i.id === e.item.id));
    for (const it of live) {
      const { pending, ...rest } = it;
      expect(rest).toEqual(LIB.find((i) => i.id === it.id));
      if (pending) expect(["compress", "rewrite"]).toContain(pending);
    }
    expect(live.find((i) => i.id === "pinned")).toEqual(LIB[2]);
    const verified = run(["audit", "verify", out]).stdout;
    expect(verified).toContain(`(${LIB.length + 1} lines)`);
    const head = /head ([0-9a-f]{64})/.exec(verified)![1];
    expect(run(["audit", "verify", out, "--expect-head", head]).status).toBe(0);

    // Second pass on the folder's own library in a later evidence window: the chain continues, the archive accumulates.
    const second = run([
      "decide",
      "--model",
      "random",
      "--seed",
      "3",
      "--library",
      join(out, "library.jsonl"),
      "--executor",
      "weak",
      "--out",
      out,
      "--now",
      "500",
    ]);
    expect(second.status).toBe(0);
    const total = LIB.length + 1 + live.length + 1;
    const stale = run(["audit", "verify", out, "--expect-head", head]);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toContain(`not the expected ${head}`);
    expect(run(["audit", "verify", out]).stdout).toContain(`OK: ${out} audit log verifies (${total} lines)`);
    const archived = readFileSync(join(out, "archive.jsonl"), "utf8").trim().split("\n").length;
    expect(archived).toBeGreaterThanOrEqual(archive.length);

    // Restore.
    const rid = archive[0].item.id;
    const restored = run(["restore", rid, "--from", out]);
    expect(restored.status).toBe(0);
    expect(readFileSync(join(out, "library.jsonl"), "utf8")).toContain(`"id":"${rid}"`);
    expect(run(["audit", "verify", out]).stdout).toContain(`(${total + 1} lines)`);
    const unknown = run(["restore", "nope", "--from", out]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/No item 'nope' in .*archive\.jsonl.*Nothing was changed\./);

    // Tamper with line 2: verify exits 2 naming it; decide refuses to append.
    const auditPath = join(out, "audit.jsonl");
    const lines = readFileSync(auditPath, "utf8").split("\n");
    lines[1] = lines[1].replace(/"action":"\w+"/, '"action":"keep "');
    writeFileSync(auditPath, lines.join("\n"));
    const bad = run(["audit", "verify", out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/audit\.jsonl line 2: hash does not match/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const refused = run([
      "decide",
      "--model",
      "none",
      "--library",
      join(out, "library.jsonl"),
      "--executor",
      "mid",
      "--out",
      out,
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("TAMPERED");
  });

  it("deciding library B into Q (holding A) exits 2 and loses nothing; audit verify of a missing folder or a removed log exits 2", () => {
    const { dir, lib } = makeLibrary();
    const out = join(dir, "Q");
    expect(run(["decide", "--model", "heuristic", "--library", lib, "--executor", "mid", "--out", out]).status).toBe(0);
    const before = readFileSync(join(out, "library.jsonl"), "utf8") + readFileSync(join(out, "archive.jsonl"), "utf8");
    const libB = join(dir, "b.jsonl");
    writeFileSync(libB, LIB.map((l) => JSON.stringify({ ...l, id: `b-${l.id}` })).join("\n") + "\n");
    const b = run(["decide", "--model", "heuristic", "--library", libB, "--executor", "mid", "--out", out]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/lacks \d+ item\(s\) that are live in/);
    expect(readFileSync(join(out, "library.jsonl"), "utf8") + readFileSync(join(out, "archive.jsonl"), "utf8")).toBe(
      before,
    );

    const missing = run(["audit", "verify", join(dir, "nope")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
    for (const f of ["audit.jsonl", "audit.head.json"]) rmSync(join(out, f));
    const gone = run(["audit", "verify", out]);
    expect(gone.status).toBe(2);
    expect(gone.stdout).toBe("");
    expect(gone.stderr).toMatch(/audit\.jsonl is missing/);
  });

  it("a broken library line exits 2 with its line number and the file name, no stack trace", () => {
    const { dir, lib } = makeLibrary();
    writeFileSync(lib, readFileSync(lib, "utf8") + "{oops\n" + '{"kind":"skill","content":"x"}\n');
    const r = run(["decide", "--model", "heuristic", "--library", lib, "--executor", "mid", "--out", join(dir, "out")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`'${lib}' has 2 problem(s)`);
    expect(r.stderr).toMatch(/line 6: not valid JSON/);
    expect(r.stderr).toMatch(/line 7: missing 'id'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("runs an exported ONNX model; every audit line carries the model file's sha256", async () => {
    await useBackend("wasm");
    const { dir, lib } = makeLibrary({ maxChangeShare: 1 });
    const tiny = await makeTinyModelDir(join(dir, "model"), {
      hidden: [8],
      seed: 2,
      normalization: "identity",
      biasScale: 1,
    });
    tiny.model.dispose();
    const onnx = join(dir, "curator.onnx");
    await exportToOnnx(tiny.dir, onnx);
    const out = join(dir, "out");
    const r = run(["decide", "--model", onnx, "--library", lib, "--executor", "strong", "--out", out, "--json"]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    const sha = createHash("sha256").update(readFileSync(onnx)).digest("hex");
    expect(summary).toMatchObject({ curator: "onnx:curator.onnx", modelHash: sha });
    const audit = readFileSync(join(out, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(audit.filter((a) => a.action !== "pass").map((a) => a.itemId)).toEqual(LIB.map((i) => i.id));
    expect(audit[audit.length - 1]).toMatchObject({ action: "pass", decided: LIB.length });
    for (const a of audit) expect(a).toMatchObject({ modelHash: sha, curator: "onnx:curator.onnx" });
    expect(run(["audit", "verify", out]).status).toBe(0);
  });

  it("asks for --out or --dry-run, and refuses an unknown curator", () => {
    const { lib } = makeLibrary();
    expect(run(["decide", "--model", "heuristic", "--library", lib, "--executor", "mid"]).stderr).toMatch(
      /--out DIR.*--dry-run/,
    );
    const r = run(["decide", "--model", "oracle", "--library", lib, "--executor", "mid", "--dry-run"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown curator 'oracle'/);
  });
});
