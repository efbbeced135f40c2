import type { CommandModule } from "yargs";
import { collect } from "../../collect/collect.js";
import { CollectFieldsSchema, CollectOptionsSchema } from "../../collect/options.js";
import { emit, withProgressBar, type GlobalArgs } from "../output.js";
import { commandLine } from "../command-line.js";
import { flagsFromSchema, optionsFromFlags, withFlags, type FlagArgs, type FlagTable } from "../flags.js";
import { costPerCompletedText } from "../../util/money.js";

/** Every collect option is a flag; the schema gives its type, default and description. */
export const COLLECT_FLAGS: FlagTable<typeof CollectFieldsSchema> = {
  world: { example: "fast-drift" },
  executors: { example: "weak,mid,experiments/profiles/sloppy.json" },
  streams: {},
  firstStream: {},
  tasks: {},
  behavior: {},
  epsilon: {},
  seed: {},
  labels: {},
  horizon: {},
  rolloutStates: {},
  rolloutItems: {},
  rolloutBudget: {},
  rolloutGroups: {},
  rolloutSamples: {},
  shard: { example: "0/4" },
  out: { demand: true },
  resume: {},
  tasksFrom: {},
  curationInterval: {},
  unsafeNoSandbox: {},
  taskOrder: {},
  library: {},
};

export const collectCommand: CommandModule<GlobalArgs, FlagArgs> = {
  command: "collect",
  describe: "run executors over task streams with a behaviour curator and write a trace dataset",
  builder: (y) =>
    withFlags(y, flagsFromSchema(CollectFieldsSchema, COLLECT_FLAGS))
      .example(
        "$0 collect --world tiny --executors weak,mid --streams 4 --tasks 100 --out datasets/traces/try",
        "a small simulated dataset",
      )
      .example(
        "$0 collect --executors weak,mid,strong --labels oracle --seed 1 --out datasets/traces/main",
        "with counterfactual labels (for awr / grpo)",
      )
      .example(
        "$0 collect --executors my-8b.json --tasks-from jsonl:tasks.jsonl --labels rollout --rollout-states 4 --rollout-budget 400 --out datasets/traces/real",
        "rollout labels on a real model (for bc / grpo)",
      )
      .example(
        "$0 collect --streams 64 --shard 0/4 --labels oracle --out datasets/traces/big/s0",
        "one of four shards (one folder per shard)",
      ),
  handler: async (args) => {
    const options = optionsFromFlags(CollectFieldsSchema, COLLECT_FLAGS, args, CollectOptionsSchema);
    const summary = await withProgressBar("collect", (onProgress) =>
      collect(options, {
        command: commandLine(),
        onProgress,
        onWarning: (m) => process.stderr.write(`collect: ${m}\n`),
      }),
    );
    emit(
      args,
      summary,
      `Wrote ${summary.out}: ${summary.streams} streams, ${summary.tasks} tasks, ${summary.decisions} decisions ` +
        `(success ${(100 * summary.successRate).toFixed(1)}%, ${Number.isFinite(summary.costPerCompletedTask) ? `${costPerCompletedText(summary.costPerCompletedTask)} per completed task` : "no completed task"}` +
        `${summary.resumedTasks ? `, ${summary.resumedTasks} finished tasks resumed` : summary.resumedStreams ? `, ${summary.resumedStreams} streams resumed` : ""}).`,
    );
  },
};
