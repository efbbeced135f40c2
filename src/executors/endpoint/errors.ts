import { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from "openai";
import { parseRetryAfter } from "./retry.js";
import { pushAll } from "../../util/arrays.js";
import { CuratorError } from "../../errors.js";
import type { Usage } from "./profile.js";

/** Why one attempt failed, and whether another attempt may succeed. */
export interface AttemptFailure {
  kind:
    | "timeout"
    | "connection"
    | "refused"
    | "dns"
    | "rate-limit"
    | "server"
    | "bad-body"
    | "auth"
    | "not-found"
    | "client";
  retryable: boolean;
  status?: number;
  /** server-requested wait in ms, from Retry-After */
  retryAfterMs?: number;
  /** short human description, WITHOUT the API key (callers redact again) */
  detail: string;
  /** the server's error body code (e.g. model_not_found), when it sent one */
  code?: string;
}

/** Raised by our own response validation: the body was not a chat completion. */
export class BadBodyError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "BadBodyError";
  }
}

/** Raised while reading or checking a reply that is over the profile's caps (see ReplyOverCapError). */
export class ReplyTooLargeError extends Error {
  constructor(
    detail: string,
    /** the server's usage when the reply was read whole, else undefined (the body was not read) */
    readonly usage?: Usage,
  ) {
    super(detail);
    this.name = "ReplyTooLargeError";
  }
}

/**
 * A reply over `maxReplyBytes` / `maxReplyTokens`, refused before anything processed it. Not retried (a
 * server that sent one will likely send another): callers count the task as failed, with this message.
 */
export class ReplyOverCapError extends CuratorError {
  constructor(
    message: string,
    /** what the call is estimated to have cost: the server's usage when known, else prompt tokens counted locally and the output tokens the request allowed */
    readonly usage: Usage,
  ) {
    super("ENDPOINT_ERROR", message);
    this.name = "ReplyOverCapError";
  }
}

/** The ReplyTooLargeError an attempt failed with, wherever the HTTP client wrapped it. */
export function replyTooLarge(e: unknown, depth = 0): ReplyTooLargeError | undefined {
  if (e instanceof ReplyTooLargeError) return e;
  if (!e || typeof e !== "object" || depth > 6) return undefined;
  return replyTooLarge((e as { cause?: unknown }).cause, depth + 1);
}

/** Raised when our own per-attempt timer fired. */
export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete reply within ${ms} ms`);
    this.name = "AttemptTimeoutError";
  }
}

/** Every `code` found along an error's cause chain (and inside AggregateErrors). */
export function errorCodes(e: unknown, depth = 0): string[] {
  if (!e || typeof e !== "object" || depth > 6) return [];
  const out: string[] = [];
  const o = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof o.code === "string") out.push(o.code);
  if (o.cause) pushAll(out, errorCodes(o.cause, depth + 1));
  if (Array.isArray(o.errors)) for (const x of o.errors) pushAll(out, errorCodes(x, depth + 1));
  return out;
}

function causeMessages(e: unknown, depth = 0): string {
  if (!e || typeof e !== "object" || depth > 6) return "";
  const o = e as { message?: unknown; cause?: unknown };
  return `${typeof o.message === "string" ? o.message : ""} ${causeMessages(o.cause, depth + 1)}`;
}

/** Maps whatever one attempt threw to an AttemptFailure. */
export function classifyFailure(e: unknown): AttemptFailure {
  const big = replyTooLarge(e);
  if (big) return { kind: "bad-body", retryable: false, detail: big.message };
  if (e instanceof AttemptTimeoutError || e instanceof APIConnectionTimeoutError || e instanceof APIUserAbortError)
    return {
      kind: "timeout",
      retryable: true,
      detail: e instanceof AttemptTimeoutError ? e.message : "request timed out",
    };
  if (e instanceof BadBodyError) return { kind: "bad-body", retryable: true, detail: e.message };
  if (e instanceof SyntaxError)
    return { kind: "bad-body", retryable: true, detail: `reply body is not JSON (${e.message})` };
  if (e instanceof APIConnectionError || (e instanceof TypeError && /fetch failed/i.test(e.message))) {
    const codes = errorCodes(e);
    if (codes.includes("ECONNREFUSED")) return { kind: "refused", retryable: true, detail: "connection refused" };
    if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN"))
      return { kind: "dns", retryable: false, detail: "host name not found" };
    if (/timed? ?out/i.test(causeMessages(e)))
      return { kind: "timeout", retryable: true, detail: "connection timed out" };
    const what = codes.find((c) => /^E[A-Z]+$|^UND_ERR/.test(c)) ?? "connection error";
    return { kind: "connection", retryable: true, detail: `connection dropped (${what})` };
  }
  if (e instanceof APIError && typeof e.status === "number") {
    const status = e.status;
    const body = (e.error ?? {}) as { code?: unknown; message?: unknown; type?: unknown };
    const code = typeof body.code === "string" ? body.code : undefined;
    const msg = typeof body.message === "string" ? body.message : e.message;
    const headers = e.headers;
    const ra = headers ? parseRetryAfter((n) => headers.get(n)) : undefined;
    if (status === 429)
      return { kind: "rate-limit", retryable: true, status, retryAfterMs: ra, detail: `HTTP 429 rate limited`, code };
    if (status >= 500 || status === 408 || status === 409)
      return { kind: "server", retryable: true, status, retryAfterMs: ra, detail: `HTTP ${status}: ${msg}`, code };
    if (status === 401 || status === 403)
      return { kind: "auth", retryable: false, status, detail: `HTTP ${status}: ${msg}`, code };
    if (status === 404) return { kind: "not-found", retryable: false, status, detail: `HTTP 404: ${msg}`, code };
    return { kind: "client", retryable: false, status, detail: `HTTP ${status}: ${msg}`, code };
  }
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { kind: "client", retryable: false, detail: m };
}

/** True when a 404 (or 400) is about the model name rather than the URL path. */
export function isModelNotFound(f: AttemptFailure): boolean {
  if (f.code === "model_not_found") return true;
  return (
    (f.kind === "not-found" || f.kind === "client") &&
    /model/i.test(f.detail) &&
    /(not.*(found|exist|served))|unknown|invalid/i.test(f.detail)
  );
}
