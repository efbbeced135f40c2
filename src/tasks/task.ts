import type { AnswerCheck } from "./answer.js";

/**
 * One task of a real task stream. `answer` tasks are checked by the checker their source declares
 * (ANSWER_CHECKERS in answer.ts: exact, numeric, choice, game24, equation); `code` tasks by
 * running their tests against the reply's code in an isolated child process.
 */
export type Task = AnswerTask | CodeTask;

export interface AnswerTask {
  kind: "answer";
  id: string;
  prompt: string;
  answer: string;
  check: AnswerCheck;
  /** where the task came from, e.g. "AIME_2024" */
  source?: string;
}

export interface CodeTask {
  kind: "code";
  id: string;
  prompt: string;
  /**
   * JavaScript run after the reply's code; its checks are `assert.METHOD(actual, expected)` calls with a literal
   * `expected`, which is compared outside the sandbox (see probes.ts for the supported methods)
   */
  tests: string[];
  source?: string;
}

export interface CheckResult {
  success: boolean;
  /** the answer or code taken from the reply */
  extracted: string;
  /** why it failed, or a short summary (e.g. "3/3 tests passed") */
  detail: string;
}
