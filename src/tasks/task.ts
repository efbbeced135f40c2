/**
 * One task of a real task stream. `answer` tasks are checked by normalised exact match (`exact`) or by
 * multiple-choice letter matching (`choice`), as Dynamic Cheatsheet checks its benchmarks; `code` tasks by
 * running their tests against the reply's code in an isolated child process.
 */
export type Task = AnswerTask | CodeTask;

export interface AnswerTask {
  kind: "answer";
  id: string;
  prompt: string;
  answer: string;
  check: "exact" | "choice";
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
