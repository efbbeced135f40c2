import type { CommandModule } from "yargs";
import { collect } from "../../collect/collect.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";

interface Args extends GlobalArgs {
  world: string;
  executors: string;
  streams: number;
  tasks: number;
  behavior: string;
  epsilon: number;
  seed: number;
  labels: "none" | "oracle";
  horizon?: number;
  shard: string;
  out: string;
  resume: boolean;
  "tasks-from"?: string;
  "curation-interval"?: number;
}

export const collectCommand: CommandModule<GlobalArgs, Args> = {
  command: "collect",
  describe: "run executors over task streams with a behaviour curator and write a trace dataset",
  builder: (y) =>
    y
      .option("world", { type: "string", default: "default", describe: "world preset (default, fast-drift, shared, tiny) or JSON file" })
      .option("executors", {
        type: "string",
        default: "weak,mid,strong",
        describe: "comma-separated presets or profile files; profiles with an endpoint block run real models (docs/real-executors.md)",
      })
      .option("tasks-from", {
        type: "string",
        describe: "endpoint executors: real tasks, dynamic-cheatsheet:PATH or jsonl:PATH (the first --tasks, in order)",
      })
      .option("curation-interval", { type: "number", describe: "a curation pass every this many tasks (default: the world's; endpoint runs: 5)" })
      .option("streams", { type: "number", default: 16 })
      .option("tasks", { type: "number", default: 200, describe: "tasks per stream (endpoint runs: one stream per profile)" })
      .option("behavior", { type: "string", default: "heuristic", describe: "behaviour curator: none, random, heuristic, oracle or a .onnx" })
      .option("epsilon", { type: "number", default: 0.3, describe: "uniform-random exploration mixed into the behaviour" })
      .option("seed", { type: "number", default: 1 })
      .option("labels", { choices: ["none", "oracle"] as const, default: "none" as const, describe: "oracle: counterfactual values of all four actions per decision" })
      .option("horizon", { type: "number", describe: "reward horizon in tasks (default: 2 × curation interval)" })
      .option("shard", { type: "string", default: "0/1", describe: "i/n: this process collects streams s with s mod n = i; auto or auto/n: i (and n) from SLURM_ARRAY_TASK_* or JOB_COMPLETION_INDEX, written to OUT/shard-i-of-n" })
      .option("out", { type: "string", demandOption: true, describe: "dataset folder to write" })
      .option("resume", { type: "boolean", default: false, describe: "continue an interrupted run (same options)" }),
  handler: async (args) => {
    const summary = await withProgressBar("collect", (onProgress) =>
      collect(
        {
          world: args.world, executors: args.executors, streams: args.streams, tasks: args.tasks, behavior: args.behavior,
          epsilon: args.epsilon, seed: args.seed, labels: args.labels, horizon: args.horizon, shard: args.shard,
          out: args.out, resume: args.resume, tasksFrom: args["tasks-from"], curationInterval: args["curation-interval"],
        },
        { command: commandLine(), onProgress },
      ),
    );
    emit(
      args,
      summary,
      `Wrote ${summary.out}: ${summary.streams} streams, ${summary.tasks} tasks, ${summary.decisions} decisions ` +
        `(success ${(100 * summary.successRate).toFixed(1)}%, $${summary.costPerCompletedTask.toFixed(4)} per completed task` +
        `${summary.resumedTasks ? `, ${summary.resumedTasks} finished tasks resumed` : summary.resumedStreams ? `, ${summary.resumedStreams} streams resumed` : ""}).`,
    );
  },
};
