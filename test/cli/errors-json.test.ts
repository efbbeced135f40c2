/** CLI errors as users expect (issue 13 point 7): JSON on stdout with --json, "did you mean" for a mistyped flag. */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { closest } from "../../src/cli/suggest.js";

describe("CLI errors", () => {
  it("with --json, a user error is also a JSON object on stdout (code, message); the message stays on stderr", async () => {
    const r = await runCli([
      "decide",
      "--model",
      "nope",
      "--library",
      "missing.jsonl",
      "--executor",
      "mid",
      "--dry-run",
      "--json",
    ]);
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toMatch(/^[A-Z_]+$/);
    expect(r.stderr).toContain(`curator: error [${out.error.code}]: ${out.error.message}`);
  });

  it("a mistyped flag gets 'did you mean', on stderr and in the --json error", async () => {
    const r = await runCli([
      "decide",
      "--model",
      "heuristic",
      "--library",
      "x.jsonl",
      "--executor",
      "mid",
      "--dryrun",
      "--json",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--dryrun: did you mean --dry-run?");
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: "BAD_ARGUMENT",
      message: expect.stringContaining("did you mean --dry-run?"),
    });
    expect((await runCli(["collect", "--strams", "3", "--out", "x"])).stderr).toContain("did you mean --streams?");
  });

  it("suggests only close names", () => {
    expect(closest("dryrun", ["dry-run", "out", "seed"])).toBe("dry-run");
    expect(closest("sede", ["dry-run", "out", "seed"])).toBe("seed");
    expect(closest("banana", ["dry-run", "out", "seed"])).toBeUndefined();
  });
});
