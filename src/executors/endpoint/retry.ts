import type { Rng } from "../../util/rng.js";

/** A counting semaphore: at most `limit` holders at once, FIFO hand-off. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`Semaphore limit must be >= 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Milliseconds a server asks us to wait: `retry-after-ms` (non-standard, used by OpenAI), else `Retry-After`
 * as delta-seconds or an HTTP date. Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(
  header: (name: string) => string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const ms = header("retry-after-ms");
  if (ms != null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = header("retry-after");
  if (ra == null || ra.trim() === "") return undefined;
  const s = ra.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const when = Date.parse(s);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

export interface BackoffPolicy {
  /** first delay before jitter */
  baseMs: number;
  /** cap on any computed (not server-requested) delay */
  maxMs: number;
  /** cap on a server-requested Retry-After, so a hostile header cannot stall the run forever */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 8_000, maxRetryAfterMs: 120_000 };

/**
 * Delay before retry number `attempt` (0-based): the server's Retry-After when given (capped), otherwise
 * exponential backoff with "full jitter" in [d/2, d] from a seeded Rng, so a run's schedule is reproducible.
 */
export function backoffDelayMs(attempt: number, rng: Rng, policy: BackoffPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const d = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return d / 2 + rng.next() * (d / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Removes every occurrence of `secret` from a text (error messages from servers may echo the key). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join("[redacted]");
}
