/** Reference servers for tests (tiny world, executor mid, seed 1), closed after the file, and a few rendered items. */
import { afterAll } from "vitest";
import { ReferenceServer } from "../../src/executors/reference/server.js";
import { resolveWorld } from "../../src/world/presets.js";
import { EXECUTOR_PRESETS } from "../../src/executors/presets.js";
import { renderItem } from "../../src/world/render.js";

/** A function starting a reference server; every server it started is closed after the test file. */
export function referenceServers(): (latencyMs?: number) => Promise<ReferenceServer> {
  const servers: ReferenceServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (latencyMs = 0) => {
    const s = await ReferenceServer.start({
      world: resolveWorld("tiny"),
      executor: structuredClone(EXECUTOR_PRESETS.mid),
      seed: 1,
      latencyMs,
    });
    servers.push(s);
    return s;
  };
}

/** Three current procedure notes of families 0–2 (~300 tokens each), as library items. */
export const RENDERED_ITEMS = [0, 1, 2].map((f) => ({
  id: `i${f}`,
  kind: "context" as const,
  content: renderItem({ family: f, version: 0, key: "K-1000", steps: 5, coreTokens: 100, tokens: 300, variant: f }),
}));
