import { constants } from "node:os";
import type { Task, CheckResult } from "./task.js";
import { ANSWER_CHECKERS, extractFinalAnswer } from "./answer.js";
import { DEFAULT_SANDBOX_LIMITS, runInSandbox, type SandboxOptions } from "./sandbox.js";

const CODE_LANGS = new Set(["js", "javascript", "mjs", "node", "nodejs", "ecmascript"]);

/**
 * The code in a reply: the last fenced block tagged as JavaScript, else the last fenced block of any kind,
 * else the final answer block, else the whole reply.
 */
export function extractCode(response: string): string {
  const blocks = [...response.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1].toLowerCase(),
    body: m[2],
  }));
  const js = blocks.filter((b) => CODE_LANGS.has(b.lang));
  if (js.length) return js[js.length - 1].body.trim();
  if (blocks.length) return blocks[blocks.length - 1].body.trim();
  if (response.includes("<answer>")) return extractFinalAnswer(response);
  return response.trim();
}

/** bubblewrap exits 128 + N when the code was killed by signal N (e.g. SIGXCPU at the CPU-time limit). */
function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  const name =
    code !== null && code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return name ? `killed by ${name}` : `exit code ${code}`;
}

/** Whether a reply solves a task. Code runs in the sandbox (sandbox.ts); the verdict is reached here. */
export async function checkAnswer(task: Task, responseText: string, sandbox?: SandboxOptions): Promise<CheckResult> {
  if (task.kind === "answer") {
    const extracted = extractFinalAnswer(responseText);
    const success = ANSWER_CHECKERS[task.check].match(task.prompt, extracted, task.answer);
    return { success, extracted, detail: success ? "answer matches" : `expected ${JSON.stringify(task.answer)}` };
  }
  const code = extractCode(responseText);
  const r = await runInSandbox(code, task.tests, sandbox);
  if (r.timedOut)
    return {
      success: false,
      extracted: code,
      detail: `killed after the ${sandbox?.timeoutMs ?? DEFAULT_SANDBOX_LIMITS.timeoutMs} ms time limit`,
    };
  if (!r.reported) {
    if (/out of memory|allocation failed/i.test(r.stderr))
      return { success: false, extracted: code, detail: "ran out of memory (heap or address-space limit)" };
    const why = r.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? exitReason(r.exitCode, r.signal);
    return { success: false, extracted: code, detail: `the code did not run to the end: ${why.slice(0, 200)}` };
  }
  const firstFail = r.results.findIndex((x) => x !== null);
  return {
    success: r.passed === r.total,
    extracted: code,
    detail: `${r.passed}/${r.total} tests passed${firstFail >= 0 ? `; test ${firstFail + 1}: ${r.results[firstFail]}` : ""}`,
  };
}
