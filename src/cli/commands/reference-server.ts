import type { Argv, CommandModule } from "yargs";
import { existsSync } from "node:fs";
import { emit, type GlobalArgs } from "../output.js";
import { resolveWorld } from "../../world/presets.js";
import { resolveExecutor } from "../../executors/presets.js";
import { ReferenceServer } from "../../executors/reference/server.js";
import { CuratorError } from "../../errors.js";
import { writeFileAtomic } from "../../util/atomic.js";

interface ReferenceServerArgs extends GlobalArgs {
  world: string;
  executor: string;
  seed: number;
  port: number;
  host: string;
  latencyMs: number;
  model?: string;
  cacheEntries: number;
  maxConcurrent: number;
  writeProfile?: string;
}

export const referenceServerCommand: CommandModule<GlobalArgs, ReferenceServerArgs> = {
  command: "reference-server",
  describe:
    "serve a SkillWorld as an OpenAI-compatible chat-completions endpoint (known truth for testing the real-executor path; tasks: --tasks-from world:NAME:SEED)",
  builder: (y) =>
    y
      .option("world", {
        type: "string",
        default: "default",
        describe: "world preset or world .json file (the same as in --tasks-from world:NAME:SEED)",
      })
      .option("executor", {
        type: "string",
        default: "mid",
        describe: "simulated executor preset or profile .json whose success and authoring models answer",
      })
      .option("seed", {
        type: "number",
        default: 1,
        describe: "world seed (the same as in --tasks-from world:NAME:SEED)",
      })
      .option("port", { type: "number", default: 8000, describe: "port to listen on (0 = any free port)" })
      .option("host", { type: "string", default: "127.0.0.1", describe: "interface to listen on" })
      .option("latency-ms", {
        type: "number",
        default: 0,
        describe: "delay added to every chat reply, as a model's compute time",
      })
      .option("max-concurrent", {
        type: "number",
        default: 0,
        describe: "chat requests served at once, as a GPU's batch slots (0 = no limit); more wait in a queue",
      })
      .option("model", { type: "string", describe: "model name served (default skillworld-<executor name>)" })
      .option("cache-entries", {
        type: "number",
        default: 256,
        describe: "recent prompts the simulated prefix cache holds (0 = no caching)",
      })
      .option("write-profile", {
        type: "string",
        describe: "also write an endpoint profile (.json) pointing at this server; refused if the file exists",
      })
      .example(
        "$0 reference-server --world default --executor mid --seed 1 --port 8000",
        "then: curator collect --executors PROFILE.json --tasks-from world:default:1 --tasks 50 --out OUT",
      )
      .check((a) => {
        for (const k of ["port", "latency-ms", "cache-entries", "seed", "max-concurrent"] as const) {
          const v = a[k];
          if (!Number.isInteger(v) || v < 0)
            throw new CuratorError("BAD_ARGUMENT", `--${k} must be a whole number ≥ 0 (got ${v}).`);
        }
        return true;
      }) as unknown as Argv<ReferenceServerArgs>,
  handler: async (args) => {
    const world = resolveWorld(args.world);
    const executor = resolveExecutor(args.executor);
    if (args.writeProfile && existsSync(args.writeProfile))
      throw new CuratorError(
        "OUTPUT_EXISTS",
        `--write-profile '${args.writeProfile}' already exists; name a new file (it is never overwritten).`,
      );
    const server = await ReferenceServer.start({
      world,
      executor,
      seed: args.seed,
      port: args.port,
      host: args.host,
      latencyMs: args.latencyMs,
      maxConcurrent: args.maxConcurrent,
      ...(args.model ? { model: args.model } : {}),
      cache: { entries: args.cacheEntries },
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE")
        throw new CuratorError(
          "BAD_ARGUMENT",
          `Port ${args.port} on ${args.host} is in use. Pick another --port (0 = any free port).`,
        );
      throw new CuratorError("BAD_ARGUMENT", `Cannot listen on ${args.host}:${args.port}: ${e.message}.`);
    });
    const profile = {
      name: `ref-${executor.name}`,
      endpoint: { baseUrl: server.url, model: server.model },
      contextBudget: executor.contextBudget,
    };
    if (args.writeProfile) writeFileAtomic(args.writeProfile, `${JSON.stringify(profile, null, 2)}\n`);
    emit(
      args,
      {
        baseUrl: server.url,
        model: server.model,
        world: world.name,
        executor: executor.name,
        seed: args.seed,
        tasksFrom: `world:${args.world}:${args.seed}`,
        profile,
      },
      `${server.url}\nserving model '${server.model}' (world ${world.name}, executor ${executor.name}, seed ${args.seed}); tasks: --tasks-from world:${args.world}:${args.seed}. Ctrl-C stops.`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
};
