/**
 * Each escape of issue 15 point 1, tried by model-written code against the code-task sandbox. Every one of
 * these failed against the JavaScript-level sandbox (a Node child with the permission model) and passes
 * against the operating-system one (src/tasks/isolation.ts) with the verdict reached outside it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkAnswer } from "../../src/tasks/check.js";
import type { CodeTask } from "../../src/tasks/task.js";

const task = (tests: string[]): CodeTask => ({ kind: "code", id: "c", prompt: "p", tests });
const reply = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``;
const ADD_TESTS = ["assert.equal(add(1, 2), 3)", "assert.equal(add(-1, 1), 0)"];
const WRONG_ADD = "function add(a, b) { return a - b; }";
const started: ChildProcess[] = [];
const leftoverPids: number[] = [];

afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const pid of leftoverPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

describe("the code under test cannot fake its verdict", () => {
  it("replacing assert with a no-op proxy does not pass wrong code", async () => {
    const code = `${WRONG_ADD}\nglobalThis.assert = new Proxy(function () {}, { get: () => () => undefined, apply: () => undefined });`;
    const r = await checkAnswer(task(ADD_TESTS), reply(code));
    expect(r.success).toBe(false);
    expect(r.detail).toMatch(/^0\/2 tests passed; test 1: .*got -1, expected 3/);
  });

  it("reading its own script and printing forged results does not pass wrong code", async () => {
    const code = `${WRONG_ADD}
      const fs = require("node:fs");
      const src = fs.readFileSync(new URL(import.meta.url), "utf8");
      const marker = (src.match(/__CURATOR_RESULTS_[0-9a-f]+__/) || [""])[0];
      process.stdout.write("\\n" + marker + JSON.stringify([null, null]) + "\\n");
      for (let t = 0; t < 2; t++) try { fs.writeSync(3, JSON.stringify({ t, p: 0, v: 3 }) + "\\n"); } catch {}
      process.exit(0);`;
    const r = await checkAnswer(task(ADD_TESTS), reply(code));
    expect(r.success).toBe(false);
  });

  it("never sees the expected values: they are not in its script", async () => {
    const code = `function secret() {
      const src = require("node:fs").readFileSync(new URL(import.meta.url), "utf8");
      const wanted = ["9876", "54321"].join("");
      return src.includes(wanted) ? Number(wanted) : 0;
    }`;
    const r = await checkAnswer(task(["assert.equal(secret(), 987654321)"]), reply(code));
    expect(r.success).toBe(false);
    expect(r.detail).toMatch(/got 0, expected 987654321/);
  });
});

describe("the code under test is contained by the operating system", () => {
  it("reaches no TCP, UDP or HTTP listener on 127.0.0.1", async () => {
    let tcpHits = 0;
    let udpHits = 0;
    let httpHits = 0;
    const tcp: TcpServer = createTcpServer((s) => {
      tcpHits++;
      s.destroy();
    });
    const http: HttpServer = createHttpServer((_q, res) => {
      httpHits++;
      res.end("ok");
    });
    const udp: UdpSocket = createSocket("udp4");
    udp.on("message", () => udpHits++);
    await Promise.all([
      new Promise<void>((ok) => tcp.listen(0, "127.0.0.1", ok)),
      new Promise<void>((ok) => http.listen(0, "127.0.0.1", ok)),
      new Promise<void>((ok) => udp.bind(0, "127.0.0.1", ok)),
    ]);
    const port = (s: TcpServer | HttpServer) => (s.address() as { port: number }).port;
    const code = `async function reach() {
      const net = require("node:net"), dgram = require("node:dgram");
      const tcp = await new Promise((r) => { const s = net.connect(${port(tcp)}, "127.0.0.1", () => { s.end(); r("tcp"); }); s.on("error", () => r("no")); setTimeout(() => r("no"), 1000); });
      // a UDP send "succeeds" on the sandbox's own loopback whether or not it escapes: the listener decides
      await new Promise((r) => { const s = dgram.createSocket("udp4"); s.send("x", ${udp.address().port}, "127.0.0.1", () => { s.close(); r(); }); });
      const web = await fetch("http://127.0.0.1:${port(http)}/", { signal: AbortSignal.timeout(1000) }).then(() => "fetch", () => "no");
      return [tcp, web];
    }`;
    const r = await checkAnswer(task(['assert.deepEqual(await reach(), ["no", "no"])']), reply(code), {
      timeoutMs: 4000,
    });
    await new Promise((ok) => setTimeout(ok, 200));
    tcp.close();
    http.close();
    udp.close();
    expect({ tcpHits, udpHits, httpHits }).toEqual({ tcpHits: 0, udpHits: 0, httpHits: 0 });
    expect(r).toMatchObject({ success: true, detail: "1/1 tests passed" });
  });

  it("cannot signal an unrelated process or the toolkit", async () => {
    const victim = spawn("sleep", ["30"], { stdio: "ignore" });
    started.push(victim);
    const code = `function attack(victim, toolkit) {
      const tried = (pid, sig) => { try { process.kill(pid, sig); return "signalled"; } catch (e) { return e.code; } };
      return [tried(victim, "SIGKILL"), tried(toolkit, 0)];
    }`;
    const r = await checkAnswer(
      task([`assert.deepEqual(attack(${victim.pid}, ${process.pid}), ["ESRCH", "ESRCH"])`]),
      reply(code),
    );
    await new Promise((ok) => setTimeout(ok, 100));
    expect(victim.exitCode === null && victim.signalCode === null).toBe(true);
    expect(r).toMatchObject({ success: true });
  });

  it("cannot allocate 2 GB past the address-space limit", async () => {
    const code = `function grab() {
      try { const b = Buffer.allocUnsafe(2 * 1024 ** 3); b[b.length - 1] = 1; return "allocated"; } catch { return "refused"; }
    }`;
    const r = await checkAnswer(task(['assert.equal(grab(), "refused")']), reply(code));
    expect(r).toMatchObject({ success: true });
  });

  it("does not outlive a SIGKILLed toolkit and leaves no temp folder", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "curator-sandbox-test-"));
    const toolkit = spawn(process.execPath, ["--import", "tsx", "test/fixtures/sandbox-toolkit.ts"], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.push(toolkit);
    const running = await waitFor(() => descendants(toolkit.pid!).some((p) => cmdline(p).includes("main.mjs")), 10_000);
    expect(running).toBe(true);
    await new Promise((ok) => setTimeout(ok, 300));
    const tree = descendants(toolkit.pid!);
    toolkit.kill("SIGKILL");
    const gone = await waitFor(() => tree.every((p) => !alive(p)), 3000);
    leftoverPids.push(...tree.filter(alive));
    expect(tree.filter(alive).map((p) => `${p} ${cmdline(p)}`)).toEqual([]);
    expect(gone).toBe(true);
    const left = readdirSync(tmp).filter((f) => f.startsWith("curator-"));
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it("judges a correct solution that prints 64 MB on its values", async () => {
    const code = `function add(a, b) { return a + b; }\nprocess.stdout.write("x".repeat(64 * 1024 * 1024));`;
    const r = await checkAnswer(task(ADD_TESTS), reply(code));
    expect(r).toMatchObject({ success: true, detail: "2/2 tests passed" });
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return cond();
}

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** Running (not zombie) processes count as alive. */
function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync("/proc")) {
    const pid = Number(e);
    const s = Number.isInteger(pid) && existsSync(`/proc/${e}/stat`) ? stat(pid) : undefined;
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) (out.push(c), queue.push(c));
  return out;
}
