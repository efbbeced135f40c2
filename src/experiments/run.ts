/**
 * `curator run EXPERIMENT.json`: the whole pipeline from one config — for each run collect → train → export,
 * then evaluate every exported model with the baselines on the evaluation backbones, and write the report.
 * Datasets go to datasets/traces/<experiment>-<run>/ (not committed); models and the report to `out`.
 */
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { ExperimentSchema, type Experiment } from "./schema.js";
import { collect } from "../collect/collect.js";
import { DATASET_OUTPUT } from "../data/dataset.js";
import { train } from "../train/train.js";
import { exportToOnnx } from "../export/onnx.js";
import { evaluate, finishScratch } from "../eval/evaluate.js";
import { writeReport } from "../eval/report.js";
import type { EvalResults } from "../eval/summarize.js";
import { readJsonFile } from "../util/json-file.js";
import { prepareOutput, writeDirAtomic } from "../util/atomic.js";

export interface RunHooks {
  command?: string;
  stage?: (message: string) => void;
  onProgress?: (done: number, total: number, label?: string) => void;
}

export interface RunSummary {
  experiment: string;
  out: string;
  models: { run: string; onnx: string; trainedOn: string[] }[];
  results: EvalResults["results"];
  seconds: number;
}

export function readExperiment(path: string): Experiment {
  return readJsonFile(path, ExperimentSchema, "Experiment");
}

export async function runExperiment(path: string, hooks: RunHooks = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const exp = readExperiment(path);
  const stage = hooks.stage ?? (() => {});
  const models: RunSummary["models"] = [];
  const datasetOf = (run: string) => join("datasets", "traces", `${exp.name}-${run}`);
  // Refuse before hours of work: every folder the run writes must be new, empty or its own earlier output.
  prepareOutput(exp.out, { command: "run" });
  if (exp.shipModel) prepareOutput(exp.shipModel.to, { command: "run" });
  for (const run of exp.runs) prepareOutput(datasetOf(run.name), DATASET_OUTPUT);
  // Endpoint executors in eval keep their per-task journals here until the report is written.
  const scratch = `${resolve(exp.out)}.partial`;
  const results = await writeDirAtomic(exp.out, { command: "run" }, async (tmp) => {
    for (const run of exp.runs) {
      const data = datasetOf(run.name);
      stage(
        `[${run.name}] collect: ${run.collect.streams} streams × ${run.collect.tasks} tasks on ${run.collect.executors}`,
      );
      await collect(
        { ...run.collect, world: run.collect.world ?? exp.world, out: data },
        { command: hooks.command, onProgress: hooks.onProgress },
      );
      const modelDir = join(tmp, "models", run.name);
      stage(`[${run.name}] train: ${run.train.algo ?? "bc"}`);
      await train(
        { algo: "bc", ...run.train, data, out: modelDir },
        { command: hooks.command, onProgress: hooks.onProgress },
      );
      stage(`[${run.name}] export`);
      await exportToOnnx(modelDir, join(modelDir, "curator.onnx"));
      models.push({
        run: run.name,
        onnx: join(exp.out, "models", run.name, "curator.onnx"),
        trainedOn: run.collect.executors.split(","),
      });
    }
    stage(`eval: ${exp.runs.length} model(s) + ${exp.eval.baselines.join(", ")} on ${exp.eval.executors.join(", ")}`);
    const res = await evaluate(
      {
        curators: [
          ...exp.runs.map((r) => join(tmp, "models", r.name, "curator.onnx")),
          ...exp.eval.models,
          ...exp.eval.baselines,
        ],
        names: exp.runs.map((r) => `learned:${r.name}`),
        executors: exp.eval.executors,
        world: exp.world,
        streams: exp.eval.streams,
        tasks: exp.eval.tasks,
        seeds: exp.eval.seeds,
        costWeight: exp.eval.costWeight ?? exp.runs[0].train.costWeight,
        tasksFrom: exp.eval.tasksFrom,
        curationInterval: exp.eval.curationInterval,
        library: exp.eval.library,
        taskOrder: exp.eval.taskOrder,
        oracleSamples: exp.eval.oracleSamples,
        unsafeNoSandbox: exp.eval.unsafeNoSandbox,
        scratch,
      },
      { onProgress: hooks.onProgress, onWarning: (m) => stage(`eval: ${m}`) },
    );
    // Name the models where they will be, not in the temp folder (so results.json is the same on every run).
    const final = (spec: string) => spec.replace(tmp, exp.out);
    res.curators.forEach((c) => {
      if (c.kind === "model") c.spec = final(c.spec);
    });
    if (Array.isArray(res.config.curators))
      res.config.curators = res.config.curators.map((c) => (typeof c === "string" ? final(c) : c));
    await writeReport(tmp, res, {
      title: `${exp.name}: ${exp.claim}`,
      notes: [`Command: ${hooks.command ?? `curator run ${path}`}`],
    });
    return res;
  });
  finishScratch(scratch);
  if (exp.shipModel) {
    const from = join(exp.out, "models", exp.shipModel.run);
    await writeDirAtomic(exp.shipModel.to, { command: "run" }, async (tmp) => cpSync(from, tmp, { recursive: true }));
    stage(`shipped ${from} → ${exp.shipModel.to}`);
  }
  return {
    experiment: exp.name,
    out: exp.out,
    models,
    results: results.results,
    seconds: (performance.now() - t0) / 1000,
  };
}
