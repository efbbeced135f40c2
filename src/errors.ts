/**
 * Typed user errors. Every mistake a user can make (a bad flag, a malformed file, a version mismatch) is a
 * CuratorError with a stable `code`; the CLI prints its message and exits 2, without a stack trace.
 */
export type ErrorCode =
  | "BAD_ARGUMENT"
  | "UNKNOWN_PRESET"
  | "INVALID_CONFIG"
  | "INVALID_FILE"
  | "FILE_NOT_FOUND"
  | "UNWRITABLE_OUTPUT"
  | "OUTPUT_EXISTS"
  | "VERSION_MISMATCH"
  | "UNSUPPORTED"
  | "ENDPOINT_ERROR"
  | "TAMPERED";

export class CuratorError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "CuratorError";
    this.code = code;
  }
}

export function isCuratorError(e: unknown): e is CuratorError {
  return e instanceof CuratorError;
}

/** Renders zod issues as "field: problem" fragments, joined for a one-paragraph message. */
export function describeZodIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.message}`).join("; ");
}
