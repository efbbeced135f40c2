import type { Task, CheckResult } from "./task.js";
import { ANSWER_CHECKERS, extractFinalAnswer } from "./answer.js";
import { DEFAULT_SANDBOX_LIMITS, runInSandbox, type SandboxLimits } from "./sandbox.js";

const CODE_LANGS = new Set(["js", "javascript", "mjs", "node", "nodejs", "ecmascript"]);

/**
 * The code in a reply: the last fenced block tagged as JavaScript, else the last fenced block of any kind,
 * else the final answer block, else the whole reply.
 */
export function extractCode(response: string): string {
  const blocks = [...response.matchAll(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1].toLowerCase(), body: m[2] }));
  const js = blocks.filter((b) => CODE_LANGS.has(b.lang));
  if (js.length) return js[js.length - 1].body.trim();
  if (blocks.length) return blocks[blocks.length - 1].body.trim();
  if (response.includes("<answer>")) return extractFinalAnswer(response);
  return response.trim();
}

/** Whether a reply solves a task. Code runs in a child process (see sandbox.ts), never in this one. */
export async function checkAnswer(task: Task, responseText: string, limits?: Partial<SandboxLimits>): Promise<CheckResult> {
  if (task.kind === "answer") {
    const extracted = extractFinalAnswer(responseText);
    const success = ANSWER_CHECKERS[task.check].match(task.prompt, extracted, task.answer);
    return { success, extracted, detail: success ? "answer matches" : `expected ${JSON.stringify(task.answer)}` };
  }
  const code = extractCode(responseText);
  const r = await runInSandbox(code, task.tests, limits);
  if (r.timedOut) return { success: false, extracted: code, detail: `killed after the ${limits?.timeoutMs ?? DEFAULT_SANDBOX_LIMITS.timeoutMs} ms time limit` };
  if (!r.results) {
    if (/heap out of memory|allocation failed/i.test(r.stderr))
      return { success: false, extracted: code, detail: "ran out of memory (V8 heap limit)" };
    const why = r.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit code ${r.exitCode}`;
    return { success: false, extracted: code, detail: `the code did not run to the end: ${why.slice(0, 200)}` };
  }
  const firstFail = r.results.findIndex((x) => x !== null);
  return {
    success: r.passed === r.total,
    extracted: code,
    detail: `${r.passed}/${r.total} tests passed${firstFail >= 0 ? `; test ${firstFail + 1}: ${r.results[firstFail]}` : ""}`,
  };
}
