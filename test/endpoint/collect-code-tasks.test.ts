/**
 * `collect --tasks-from jsonl:PATH` with code tasks, end to end against a scripted server (issue 15): a server
 * returning wrong code that tries to fake its verdict records no success; where no sandbox is available the
 * run is refused before anything is written, unless --unsafe-no-sandbox is given.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect } from "../../src/collect/collect.js";
import { ScriptedServer, type ChatRequest } from "../helpers/scripted-server.js";
import { expectUserError, runCli } from "../helpers/run-cli.js";

const root = mkdtempSync(join(tmpdir(), "curator-code-collect-"));
const servers: ScriptedServer[] = [];
afterAll(async () => {
  while (servers.length) await servers.pop()!.close();
});

const TASKS = [
  { id: "add", prompt: "Write add(a, b).", tests: ["assert.equal(add(1, 2), 3)", "assert.equal(add(2, 2), 4)"] },
  { id: "mul", prompt: "Write mul(a, b).", tests: ["assert.equal(mul(2, 3), 6)"] },
  { id: "neg", prompt: "Write neg(a).", tests: ["assert.deepEqual([neg(1), neg(-2)], [-1, 2])"] },
];

/** Wrong code for every task, which then disables `assert` and forges the old result marker. */
const CHEAT = `
function add(a, b) { return 0; } function mul(a, b) { return 0; } function neg(a) { return 0; }
globalThis.assert = new Proxy(function () {}, { get: () => () => undefined, apply: () => undefined });
const src = require("node:fs").readFileSync(new URL(import.meta.url), "utf8");
const marker = (src.match(/__CURATOR_RESULTS_[0-9a-f]+__/) || [""])[0];
process.stdout.write("\\n" + marker + JSON.stringify([null, null]) + "\\n");`;

function respond(req: ChatRequest) {
  const system = req.messages[0].content;
  if (system.startsWith("You maintain"))
    return {
      text: "<memory_item><action>add</action><content>Write small functions.</content></memory_item>",
      cachedTokens: 0,
    };
  return { text: `Here:\n\`\`\`javascript\n${CHEAT}\n\`\`\``, cachedTokens: 0 };
}

async function setup(name: string): Promise<{ profile: string; tasksFrom: string; out: string }> {
  const s = await ScriptedServer.start({ respond });
  servers.push(s);
  const profile = join(root, `${name}.json`);
  writeFileSync(
    profile,
    JSON.stringify({
      name,
      endpoint: { baseUrl: s.url, model: "scripted-model", timeoutMs: 5000, maxRetries: 0 },
      contextBudget: 2000,
    }),
  );
  const tasks = join(root, `${name}.jsonl`);
  writeFileSync(tasks, TASKS.map((t) => JSON.stringify(t)).join("\n"));
  return { profile, tasksFrom: `jsonl:${tasks}`, out: join(root, `${name}-out`) };
}

describe("collect over code tasks", () => {
  it("records no success for wrong code that fakes its verdict", async () => {
    const { profile, tasksFrom, out } = await setup("cheat");
    const summary = await collect({
      executors: profile,
      tasksFrom,
      tasks: 3,
      behavior: "none",
      curationInterval: 2,
      out,
    });
    expect(summary.tasks).toBe(3);
    expect(summary.successRate).toBe(0);
  });

  it("refuses code tasks where no sandbox is available, unless --unsafe-no-sandbox", async () => {
    const { profile, tasksFrom, out } = await setup("nosandbox");
    const args = [
      "collect",
      "--executors",
      profile,
      "--tasks-from",
      tasksFrom,
      "--tasks",
      "3",
      "--behavior",
      "none",
      "--curation-interval",
      "2",
      "--out",
      out,
    ];
    process.env.CURATOR_BWRAP = "";
    try {
      const refused = runCli(args);
      const unsafe = runCli([...args.slice(0, -1), `${out}-unsafe`, "--unsafe-no-sandbox", "--json"]);
      const msg = expectUserError(await refused, "UNSUPPORTED");
      expect(msg).toMatch(/no sandbox.*bubblewrap.*--unsafe-no-sandbox/s);
      expect(existsSync(out)).toBe(false);
      const r = await unsafe;
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ tasks: 3, successRate: 0 });
    } finally {
      delete process.env.CURATOR_BWRAP;
    }
  });
});
