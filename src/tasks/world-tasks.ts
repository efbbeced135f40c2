import type { WorldConfig } from "../schemas/world.js";
import { TextTaskStream } from "../world/text-stream.js";
import type { Task } from "./task.js";

/** The first `count` tasks of the stream as harness tasks, checked by exact match of the code. */
export function worldTasks(cfg: WorldConfig, seed: number, count: number): Task[] {
  const stream = new TextTaskStream(cfg, seed);
  return Array.from({ length: count }, (_, t) => {
    const x = stream.task(t);
    return {
      kind: "answer",
      id: `${cfg.name}-s${seed}-t${t}`,
      prompt: x.prompt,
      answer: x.answer,
      check: "exact",
      source: `world:${cfg.name}`,
    };
  });
}
