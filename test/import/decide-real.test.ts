/**
 * Every source in ../shared/data/real imports, and `curator decide` with the shipped default model runs on the
 * imported library: nothing lost (live + archive = input), one audit line per item, the chain verifies.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { importSource } from "../../src/import/run.js";
import type { ImportFormat } from "../../src/import/types.js";
import { HAVE_REAL, readJsonl, REAL } from "./helpers.js";

const CLI = join(process.cwd(), "dist/cli/main.js");
const MODEL = join(process.cwd(), "models/default/curator.onnx");
const SOURCES: [ImportFormat, string][] = [
  ["voyager", "voyager"],
  ["dynamic-cheatsheet", "dynamic_cheatsheet"],
  ["ace-playbook", "ace_appworld"],
  ["agent-s", "agent_s_kb"],
  ["tau-bench", "tau_bench"],
];

describe.skipIf(!HAVE_REAL || !existsSync(MODEL))(
  "curator decide with the default model on every real source",
  { timeout: 300_000 },
  () => {
    let base = "";
    afterEach(() => rmSync(base, { recursive: true, force: true }));

    it.each(SOURCES)("%s", async (format, folder) => {
      base = mkdtempSync(join(tmpdir(), `decide-real-${format}-`));
      await importSource(format, join(REAL, folder), join(base, "import"));
      const input = readJsonl<{ id: string }>(join(base, "import", "library.jsonl"));
      expect(input.length).toBeGreaterThan(0);

      const out = join(base, "curated");
      const r = spawnSync(
        "node",
        [
          CLI,
          "decide",
          "--model",
          MODEL,
          "--library",
          join(base, "import", "library.jsonl"),
          "--executor",
          "mid",
          "--out",
          out,
          "--json",
        ],
        { encoding: "utf8" },
      );
      // Only warnings (the preset fallback for executor statistics, out-of-distribution features), no errors.
      expect(r.stderr.split("\n").filter((l) => l && !l.startsWith("curator: warning: "))).toEqual([]);
      expect(r.status).toBe(0);
      const live = readJsonl<{ id: string }>(join(out, "library.jsonl"));
      const archived = readJsonl<{ item: { id: string } }>(join(out, "archive.jsonl")).map((a) => a.item);
      expect([...live, ...archived].map((i) => i.id).sort()).toEqual(input.map((i) => i.id).sort());
      // One line per item, then the pass line.
      expect(readJsonl(join(out, "audit.jsonl"))).toHaveLength(input.length + 1);

      const v = spawnSync("node", [CLI, "audit", "verify", out], { encoding: "utf8" });
      expect(v.status).toBe(0);
    });
  },
);
