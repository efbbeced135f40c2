/**
 * One curator resolver: `decide --model` and `eval --curators` accept exactly the same specs and refuse the
 * others with the same error (issue 14). Before, a model folder worked in eval and failed in decide
 * ("not an ONNX model"), and the two refused an unknown name with different codes.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../helpers/run-cli.js";
import { resolveCurator } from "../../src/curators/resolve.js";
import { BASELINES, BASELINE_NAMES } from "../../src/curators/registry.js";

const dir = mkdtempSync(join(tmpdir(), "resolve-"));
const lib = join(dir, "lib.jsonl");
writeFileSync(
  lib,
  JSON.stringify({
    id: "a",
    kind: "skill",
    content: "use retries",
    stats: { createdAt: 0, lastRetrievedAt: 3, timesRetrieved: 2, successes: 1, failures: 1 },
  }) + "\n",
);
const cardOnly = join(dir, "card-only");
cpSync("models/default", cardOnly, { recursive: true });
rmSync(join(cardOnly, "curator.onnx"));
const empty = join(dir, "empty");
mkdirSync(empty);

const decide = (spec: string) =>
  runCli(["decide", "--model", spec, "--library", lib, "--executor", "mid", "--dry-run"]);
const evaluate = (spec: string, k: number) =>
  runCli([
    "eval",
    "--curators",
    spec,
    "--world",
    "tiny",
    "--executors",
    "weak",
    "--streams",
    "1",
    "--tasks",
    "4",
    "--seeds",
    "1",
    "--out",
    join(dir, `eval-${k}`),
  ]);
const errorLine = (r: CliResult) => r.stderr.split("\n").find((l) => l.startsWith("curator: error")) ?? "";

describe("one curator resolver", () => {
  it("decide --model and eval --curators accept the same specs and refuse the others with the same error", async () => {
    const specs = ["models/default", cardOnly, empty, join(dir, "missing.onnx"), "heuristc"];
    for (const [k, spec] of specs.entries()) {
      const [d, e] = await Promise.all([decide(spec), evaluate(spec, k)]);
      expect(d.status, `${spec}: decide ${d.stderr}`).toBe(e.status);
      expect(errorLine(d), spec).toBe(errorLine(e));
    }
    const refused = await decide("heuristc");
    expect(errorLine(refused)).toMatch(
      /^curator: error \[UNKNOWN_PRESET\]: Unknown curator 'heuristc'\. Use one of none, random, heuristic, ace, hermes, expel, sso, memrl, mem0, dc, oracle \(simulator only\), a path/,
    );
    expect(errorLine(await decide(empty))).toContain("holds neither curator.onnx nor card.json");
  }, 120_000);

  it("a model folder runs its curator.onnx when exported, its tfjs weights otherwise", async () => {
    const exported = await resolveCurator("models/default");
    expect(exported.kind).toBe("onnx");
    expect(exported.curator.name).toBe("onnx:curator.onnx");
    expect(exported.modelHash).toBe((await resolveCurator("models/default/curator.onnx")).modelHash);
    const research = await resolveCurator(cardOnly);
    expect(research.kind).toBe("tfjs");
    expect(research.modelHash).toMatch(/^[0-9a-f]{64}$/);
    await Promise.all([exported.curator.dispose?.(), research.curator.dispose?.()]);
  });

  it("oracle only where the simulator runs; every registry entry resolves", async () => {
    await expect(resolveCurator("oracle")).rejects.toMatchObject({
      code: "UNKNOWN_PRESET",
      message: expect.stringContaining("simulated world"),
    });
    for (const name of BASELINE_NAMES) {
      const r = await resolveCurator(name, { simulator: true });
      expect(r.kind).toBe("baseline");
      expect(r.curator.name).toBe(name);
      expect(Boolean(r.curator.stochastic)).toBe(name === "random");
    }
    expect(Object.keys(BASELINES)).toEqual(BASELINE_NAMES);
  });
});
