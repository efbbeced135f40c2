import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { importSource } from "../../src/import/run.js";
import { IMPORT_FORMATS, IMPORTER_VERSION, type ImportFormat } from "../../src/import/types.js";
import { replayEvaluate, type ReplayResults } from "../../src/eval/replay.js";
import { loadReplayDataset, replayStates, stateItems } from "../../src/eval/replay-load.js";
import { flagScore, mcnemarExactP, rocAuc, rocAucRaw, type AucScore, type FlagScore } from "../../src/eval/stats.js";
import { replayMarkdown } from "../../src/eval/replay-report.js";
import { replayOptionsFromArgs, type EvalArgs } from "../../src/cli/commands/eval.js";
import { decideCommand } from "../../src/cli/commands/decide.js";
import { finished } from "../helpers/run-cli.js";
import { FIXTURES } from "../import/helpers.js";
import { FEATURE_NAMES } from "../../src/features/featurizer.js";

const MODEL = "models/default/curator.onnx";
const CURATORS = [MODEL, "heuristic", "random", "none"];
const base = mkdtempSync(join(tmpdir(), "replay-test-"));
const dataset = (f: ImportFormat) => join(base, f);

/** `curator ARGS` from the sources (dist may lag behind them while the tree is being edited). */
const cli = (args: string[]) =>
  finished(
    spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "src/cli/main.ts"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    }),
    120_000,
  );

let results: ReplayResults;

beforeAll(async () => {
  for (const f of IMPORT_FORMATS) await importSource(f, join(FIXTURES, f), dataset(f));
  results = await replayEvaluate({ datasets: [dataset("voyager"), dataset("dynamic-cheatsheet")], curators: CURATORS });
});

const inUnit = (x: number | null) => x === null || (x >= 0 && x <= 1);

function checkFlag(s: FlagScore): void {
  expect(inUnit(s.precision) && inUnit(s.recall) && inUnit(s.baseRate), JSON.stringify(s)).toBe(true);
  expect(s.truePositives).toBeLessThanOrEqual(Math.min(s.flagged, s.positives));
  expect(s.precision === null).toBe(s.flagged === 0);
  expect(s.recall === null).toBe(s.positives === 0);
}

function checkAuc(a: AucScore): void {
  if (a.auc === null) expect(a.reason, JSON.stringify(a)).toMatch(/\w/);
  else expect(a.auc >= 0 && a.auc <= 1, JSON.stringify(a)).toBe(true);
}

describe("replay evaluation on the voyager and dynamic-cheatsheet fixtures", () => {
  it("measures the distribution shift against an exported model's training normalisation, not for baselines", () => {
    const card = JSON.parse(readFileSync("models/default/card.json", "utf8")) as {
      normalization: { mean: number[]; std: number[] };
    };
    for (const s of results.sources) {
      expect(s.featureMeans).toHaveLength(FEATURE_NAMES.length);
      const [model, ...baselines] = s.curators;
      for (const b of baselines) expect(b.featureShift).toBeUndefined();
      const shift = model.featureShift!;
      expect(shift.map((f) => f.feature).sort()).toEqual([...FEATURE_NAMES].sort());
      for (let i = 1; i < shift.length; i++)
        expect(Math.abs(shift[i - 1].z)).toBeGreaterThanOrEqual(Math.abs(shift[i].z));
      for (const f of shift) {
        const j = (FEATURE_NAMES as readonly string[]).indexOf(f.feature);
        expect(f.trainMean).toBeCloseTo(card.normalization.mean[j], 3);
        expect(f.z).toBeCloseTo((s.featureMeans[j] - card.normalization.mean[j]) / card.normalization.std[j], 1);
      }
    }
    expect(replayMarkdown(results)).toContain("### Distribution shift");
  });

  it("scores every curator with numbers in range, under both governance modes", () => {
    expect(results.sources.map((s) => s.format)).toEqual(["voyager", "dynamic-cheatsheet"]);
    for (const s of results.sources) {
      expect(s.curators.map((c) => c.spec)).toEqual(CURATORS);
      for (const c of s.curators) {
        expect(c.scoredItems).toBeGreaterThan(0);
        for (const [t, f, u] of Object.values(c.labels)) expect(t + f + u).toBe(c.scoredItems);
        for (const a of [...Object.values(c.auc.retire), c.auc.rewrite, c.auc.change]) checkAuc(a);
        expect(c.modes.map((m) => m.governance)).toEqual(["default", "none"]);
        for (const m of c.modes) {
          for (const f of [...Object.values(m.retire), m.rewrite, m.change]) checkFlag(f);
          expect(Object.values(m.actions).reduce((a, b) => a + b, 0)).toBe(c.scoredItems);
          expect(m.library.items[1]).toBeLessThanOrEqual(m.library.items[0]);
          expect(m.library.tokens[1]).toBeLessThanOrEqual(m.library.tokens[0]);
        }
        expect(c.modes.find((m) => m.governance === "none")!.capped).toBe(0);
      }
    }
  });

  it("shows the baselines for what they are: none keeps everything, constant probabilities give no AUC", () => {
    for (const s of results.sources) {
      const none = s.curators.find((c) => c.spec === "none")!;
      for (const m of none.modes) {
        expect(m.actions.keep).toBe(none.scoredItems);
        expect(m.library.items[1]).toBe(m.library.items[0]);
      }
      for (const spec of ["none", "random"]) {
        const c = s.curators.find((x) => x.spec === spec)!;
        for (const a of [...Object.values(c.auc.retire), c.auc.rewrite, c.auc.change]) expect(a.auc).toBeNull();
      }
    }
    const learned = results.sources.find((s) => s.format === "voyager")!.curators[0];
    // the fixture holds rewritten and final skill versions, too few of them for an AUC, and the model does not score them all alike
    expect(learned.auc.rewrite).toMatchObject({ auc: null, reason: expect.stringMatching(/^too few/) });
    expect(learned.auc.rewrite.positives).toBeGreaterThan(0);
  });

  it("gives the same numbers for random with the same seed, whatever else runs beside it", async () => {
    const again = (seed: number) =>
      replayEvaluate({ datasets: [dataset("voyager"), dataset("dynamic-cheatsheet")], curators: ["random"], seed });
    const [a, b, zero] = [await again(7), await again(7), await again(0)];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const randomOf = (r: ReplayResults) =>
      JSON.stringify(r.sources.map((s) => s.curators.find((c) => c.spec === "random")));
    expect(randomOf(zero)).toBe(randomOf(results)); // results ran random with seed 0 among other curators
  });

  it("writes a report that states the protocol, says which labels are proxies and what each label means", () => {
    const md = replayMarkdown(results);
    expect(md).toMatch(/Protocol \*\*leak-free\*\*/);
    expect(md).toMatch(/BEFORE the evidence that defines its label/);
    expect(md).toMatch(/proxy labels \(rewritten later, removed later, never used\) are not ground truth/);
    expect(md).toMatch(/## voyager[\s\S]*## dynamic-cheatsheet/);
    expect(md).toMatch(/no other skill's code calls it/);
    expect(md).toMatch(/no-memory|without memory/);
  });
});

describe("decision points", () => {
  /** A hand-made import: a@v1 → a, b removed at the last state, c added, d@v1 held by no snapshot. */
  function handMade(): string {
    const dir = join(base, "hand-made");
    mkdirSync(dir, { recursive: true });
    const item = (id: string) => ({
      id,
      kind: "context",
      content: `rule ${id} about things`,
      tokens: 10,
      stats: { createdAt: 0 },
      similarity: { max: 0.9, nearDuplicates: 3 },
      meta: { library: "L" },
    });
    const label = (id: string, inFinal: boolean, rewrittenLater: boolean, removedLater: boolean) => ({
      id,
      library: "L",
      inFinal,
      rewrittenLater,
      removedLater,
      uplift: null,
      harmful: null,
      helpful: null,
      deadWeight: null,
      neverUsed: null,
      evidence: {},
    });
    const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
    writeFileSync(join(dir, "items.jsonl"), lines(["L/a@v1", "L/a", "L/b", "L/c", "L/d@v1"].map(item)));
    writeFileSync(
      join(dir, "snapshots.jsonl"),
      lines([
        {
          library: "L",
          index: 0,
          label: "s0",
          taskIndex: 0,
          reconstructed: false,
          itemIds: ["L/a@v1", "L/b"],
          missingItems: 0,
        },
        {
          library: "L",
          index: 1,
          label: "s1",
          taskIndex: 1,
          reconstructed: false,
          itemIds: ["L/a", "L/b"],
          missingItems: 0,
        },
        {
          library: "L",
          index: 2,
          label: "s2",
          taskIndex: 2,
          reconstructed: false,
          itemIds: ["L/a", "L/c"],
          missingItems: 0,
        },
      ]),
    );
    writeFileSync(
      join(dir, "events.jsonl"),
      lines([
        {
          library: "L",
          taskIndex: 0,
          task: "q0",
          outcome: "failure",
          outcomeBasis: "x",
          itemIds: ["L/a@v1", "L/b"],
          detail: {},
        },
        {
          library: "L",
          taskIndex: 1,
          task: "q1",
          outcome: "success",
          outcomeBasis: "x",
          itemIds: ["L/a", "L/b"],
          detail: {},
        },
      ]),
    );
    writeFileSync(
      join(dir, "replay-labels.jsonl"),
      lines([
        label("L/a@v1", false, true, false),
        label("L/a", true, false, false),
        label("L/b", false, false, true),
        label("L/c", true, false, false),
        label("L/d@v1", false, false, true),
      ]),
    );
    writeFileSync(join(dir, "comparisons.jsonl"), "");
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify({
        kind: "curator-import",
        format: "dynamic-cheatsheet",
        importerVersion: IMPORTER_VERSION,
        source: "hand-made",
      }),
    );
    return dir;
  }

  it("scores each version once, in its last state, with statistics as of that state (the leaky protocol's numbers)", () => {
    const d = loadReplayDataset(handMade());
    const states = replayStates(d, "last-state");
    expect(states.map((s) => [s.label, s.scored])).toEqual([
      ["s0", ["L/a@v1"]],
      ["s1", ["L/b"]],
      ["s2", ["L/a", "L/c"]],
      ["reconstructed: L/d@v1 in the final library", ["L/d@v1"]],
    ]);
    expect(states.map((s) => s.latest)).toEqual([false, false, true, false]);
    expect(states[3].itemIds).toEqual(["L/a", "L/c", "L/d@v1"]);

    const s0 = stateItems(d, states[0]);
    expect(s0.now).toBe(1); // the leaky state includes its own task 0: it decides before task 1
    expect(s0.items[0].stats).toMatchObject({ timesRetrieved: 1, successes: 0, failures: 1, lastRetrievedAt: 0 });
    expect(s0.items[0].similarity).toBeUndefined(); // recomputed within the state
    const s1 = stateItems(d, states[1]);
    expect(s1.now).toBe(2);
    // L/a counts its earlier version's use: the lineage is the id before @vN
    expect(s1.items.map((i) => [i.id, i.stats?.timesRetrieved, i.stats?.successes])).toEqual([
      ["L/a", 2, 1],
      ["L/b", 2, 1],
    ]);
    const s2 = stateItems(d, states[2]);
    expect(s2.items.find((i) => i.id === "L/c")!.stats).toMatchObject({ timesRetrieved: 0, lastRetrievedAt: null });
    expect(stateItems(d, states[3]).now).toBeUndefined(); // reconstructed: imported statistics
  });

  it("leak-free: a state's statistics never include its own task's outcome", () => {
    const d = loadReplayDataset(join(base, "hand-made"));
    const states = replayStates(d);
    expect(states.map((s) => [s.label, s.scored])).toEqual(
      replayStates(d, "last-state").map((s) => [s.label, s.scored]),
    );
    expect(stateItems(d, states[0]).items[0].stats).toMatchObject({
      timesRetrieved: 0,
      failures: 0,
      lastRetrievedAt: null,
    });
    expect(stateItems(d, states[1]).items.map((i) => [i.id, i.stats?.timesRetrieved, i.stats?.failures])).toEqual([
      ["L/a", 1, 1],
      ["L/b", 1, 1],
    ]);
  });

  it("counts labels on the scored versions and keeps everything under `none`", async () => {
    const r = await replayEvaluate({ datasets: [join(base, "hand-made")], curators: ["none"], governance: ["none"] });
    const c = r.sources[0].curators[0];
    expect(c.labels.rewrittenLater).toEqual([1, 4, 0]);
    expect(c.labels.removedLater).toEqual([2, 3, 0]);
    expect(c.labels.neverUsed).toEqual([0, 0, 5]);
    expect(c.credited).toBeNull(); // no usage marks, no reference run
    expect(r.sources[0].anyOf).toEqual(["removedLater"]);
    expect(c.modes[0].actions).toEqual({ keep: 5, compress: 0, rewrite: 0, retire: 0 });
    expect(c.modes[0].library).toEqual({ items: [2, 2], tokens: [20, 20] });
  });
});

describe("the leak-free protocol", () => {
  /**
   * Two items, each in context for two questions and marked used for both. H: right (the reference too), then
   * wrong where the reference is right (credit −1). G: right twice, like the reference (credit 0).
   */
  function twoItems(): string {
    const dir = join(base, "leak");
    mkdirSync(dir, { recursive: true });
    const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
    const item = (id: string) => ({
      id,
      kind: "context",
      content: `rule ${id}`,
      tokens: 10,
      stats: { createdAt: 0 },
      meta: { library: "L" },
    });
    const ev = (t: number, id: string, outcome: string, referenceOutcome: string) => ({
      library: "L",
      taskIndex: t,
      task: `q${t}`,
      outcome,
      outcomeBasis: "x",
      itemIds: [id],
      usedItemIds: [id],
      referenceOutcome,
      detail: {},
    });
    const snap = (t: number, ids: string[]) => ({
      library: "L",
      index: t,
      label: `s${t}`,
      taskIndex: t,
      reconstructed: false,
      itemIds: ids,
      missingItems: 0,
    });
    const label = (id: string) => ({
      id,
      library: "L",
      inFinal: true,
      rewrittenLater: false,
      removedLater: false,
      uplift: null,
      harmful: null,
      helpful: null,
      deadWeight: null,
      neverUsed: null,
      evidence: {},
    });
    writeFileSync(join(dir, "items.jsonl"), lines([item("L/h"), item("L/g")]));
    writeFileSync(
      join(dir, "snapshots.jsonl"),
      lines([snap(0, ["L/h"]), snap(1, ["L/h"]), snap(2, ["L/g"]), snap(3, ["L/g"]), snap(4, ["L/h", "L/g"])]),
    );
    writeFileSync(
      join(dir, "events.jsonl"),
      lines([
        ev(0, "L/h", "success", "success"),
        ev(1, "L/h", "failure", "success"),
        ev(2, "L/g", "success", "success"),
        ev(3, "L/g", "success", "success"),
      ]),
    );
    writeFileSync(join(dir, "replay-labels.jsonl"), lines([label("L/h"), label("L/g")]));
    writeFileSync(join(dir, "comparisons.jsonl"), "");
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify({
        kind: "curator-import",
        format: "dynamic-cheatsheet",
        importerVersion: IMPORTER_VERSION,
        source: "leak",
      }),
    );
    return dir;
  }

  /** AUC of "failures seen so far" (what a failure detector acts on) against credited harm, per protocol. */
  function failureDetectorAuc(dir: string, protocol: "leak-free" | "last-state") {
    const d = loadReplayDataset(dir);
    const units = replayStates(d, protocol).flatMap((s) =>
      s.credited.map((u) => ({ u, failures: stateItems(d, s).items.find((i) => i.id === u.id)!.stats!.failures! })),
    );
    return {
      units: units.map((x) => [x.u.id, x.u.harmful, x.failures, x.u.evidenceTasks, x.u.labelTasks]),
      auc: rocAucRaw(
        units.map((x) => x.u.harmful),
        units.map((x) => x.failures),
      ),
    };
  }

  it("gives a different AUC than the leaky protocol on the same log: the leak lets a failure detector meet the label", () => {
    const dir = twoItems();
    const leaky = failureDetectorAuc(dir, "last-state");
    const fixed = failureDetectorAuc(dir, "leak-free");
    // leaky: H is decided after its failed question, which also defines its label
    expect(leaky.units).toEqual([
      ["L/h", true, 1, 2, 2],
      ["L/g", false, 0, 2, 2],
    ]);
    expect(leaky.auc).toBe(1);
    // leak-free: each is decided on its first question only and labelled by the second
    expect(fixed.units).toEqual([
      ["L/h", true, 0, 1, 1],
      ["L/g", false, 0, 1, 1],
    ]);
    expect(fixed.auc).toBe(0.5);
  });

  it("scores curators on the credited units through replayEvaluate", async () => {
    const r = await replayEvaluate({ datasets: [join(base, "leak")], curators: ["none"], governance: ["none"] });
    const c = r.sources[0].curators[0].credited!;
    expect(c.units).toBe(2);
    expect(c.labels.harmful).toEqual([1, 1]);
    expect(c.auc.harmful).toMatchObject({ auc: null, positives: 1, negatives: 1 });
    expect(c.modes[0].actions.keep).toBe(2);
  });
});

describe("scores", () => {
  it("precision and recall leave unknown labels out", () => {
    expect(flagScore([true, false, null, true], [true, true, true, false])).toEqual({
      labelled: 3,
      unknown: 1,
      positives: 2,
      baseRate: 2 / 3,
      flagged: 2,
      truePositives: 1,
      precision: 0.5,
      recall: 0.5,
    });
  });

  it("AUC: perfect, reversed and tied rankings; null with a reason for one class or one score", () => {
    expect(rocAucRaw([true, true, false, false], [0.9, 0.8, 0.2, 0.1])).toBe(1);
    expect(rocAucRaw([true, true, false, false], [0.1, 0.2, 0.8, 0.9])).toBe(0);
    expect(rocAucRaw([true, false, true, false, null], [0.5, 0.5, 0.9, 0.1, 0.99])).toBeCloseTo(0.875);
    expect(rocAuc([false, false], [0.1, 0.2])).toMatchObject({ auc: null, reason: "no labelled item is positive" });
    expect(rocAuc([true, false], [0.3, 0.3])).toMatchObject({
      auc: null,
      reason: "the curator gives every item the same probability",
    });
    expect(rocAuc([null], [0.3])).toMatchObject({ auc: null, reason: "no labelled item" });
  });

  it("AUC: none with fewer than 10 in the smaller class; otherwise a bootstrap CI around it and the class counts", () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 6 === 0); // 10 positives, 50 negatives
    const scores = labels.map((l, i) => (l ? 0.6 : 0.4) + ((i * 37) % 11) / 40);
    const a = rocAuc(labels, scores, { seed: 1 });
    expect(a).toMatchObject({ positives: 10, negatives: 50, labelled: 60 });
    expect(a.auc).toBeCloseTo(rocAucRaw(labels, scores)!, 12);
    expect(a.ci![0]).toBeLessThanOrEqual(a.auc!);
    expect(a.ci![1]).toBeGreaterThanOrEqual(a.auc!);
    expect(a.ci![1] - a.ci![0]).toBeGreaterThan(0);
    expect(rocAuc(labels, scores, { seed: 1 })).toEqual(a); // same seed, same CI
    const nine = labels.map((l, i) => l && i > 0);
    expect(rocAuc(nine, scores)).toMatchObject({
      auc: null,
      ci: null,
      positives: 9,
      reason: expect.stringMatching(/^too few/),
    });
  });

  it("McNemar's exact test", () => {
    expect(mcnemarExactP(0, 5)).toBeCloseTo(2 / 32, 12);
    expect(mcnemarExactP(3, 3)).toBe(1);
    expect(mcnemarExactP(0, 0)).toBe(1);
    expect(mcnemarExactP(1, 9)).toBeCloseTo((2 * (1 + 10)) / 1024, 12);
  });
});

describe("refusals", () => {
  it("a dataset folder without replay-labels.jsonl is a CuratorError naming the file", () => {
    const dir = join(base, "no-labels");
    cpSync(dataset("voyager"), dir, { recursive: true });
    rmSync(join(dir, "replay-labels.jsonl"));
    expect(() => loadReplayDataset(dir)).toThrowError(
      expect.objectContaining({
        code: "FILE_NOT_FOUND",
        message: expect.stringContaining(join(dir, "replay-labels.jsonl")),
      }),
    );
  });

  it("the flags: --executors and unknown governance modes are refused, defaults filled in", () => {
    const args = { curators: "heuristic", replay: "a,b", out: "x", json: false, debug: false } as unknown as EvalArgs;
    expect(replayOptionsFromArgs(args)).toEqual({
      datasets: ["a", "b"],
      curators: ["heuristic"],
      executor: "mid",
      governance: ["default", "none"],
      seed: 0,
      protocol: "leak-free",
    });
    expect(() => replayOptionsFromArgs({ ...args, executors: "weak" })).toThrowError(
      expect.objectContaining({ code: "BAD_ARGUMENT" }),
    );
    expect(() => replayOptionsFromArgs({ ...args, governance: "strict" })).toThrowError(
      expect.objectContaining({ code: "BAD_ARGUMENT", message: expect.stringMatching(/--governance/) }),
    );
  });
});

describe("the CLI", () => {
  it("curator eval --replay writes replay.json and report.md and prints a --json summary", async () => {
    const out = join(base, "report");
    const r = await cli([
      "eval",
      "--replay",
      dataset("dynamic-cheatsheet"),
      "--curators",
      `${MODEL},heuristic`,
      "--governance",
      "default",
      "--out",
      out,
      "--json",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.sources[0]).toMatchObject({
      format: "dynamic-cheatsheet",
      curators: [{ curator: "curator.onnx" }, { curator: "heuristic" }],
    });
    expect(JSON.parse(readFileSync(join(out, "replay.json"), "utf8")).kind).toBe("curator-replay");
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/Credited paired uplift/);
  });

  // In-process through the command's handler (what `curator decide` runs after parsing): the CLI exits 0 exactly
  // when the handler resolves, and this avoids five cold TypeScript start-ups.
  it("curator decide --model <default> --executor mid --dry-run runs on an import of each source's fixture", async () => {
    for (const f of IMPORT_FORMATS) {
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((x) => (out.push(String(x)), true));
      try {
        await (decideCommand.handler as (a: unknown) => Promise<void>)({
          model: MODEL,
          library: join(dataset(f), "library.jsonl"),
          executor: "mid",
          "dry-run": true,
          json: false,
          debug: false,
          _: [],
          $0: "curator",
        });
      } finally {
        spy.mockRestore();
      }
      expect(out.join(""), f).toMatch(/Dry run: nothing was written/);
    }
  });
});
