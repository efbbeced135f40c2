import OpenAI from "openai";
import { CuratorError } from "../../errors.js";
import { Rng } from "../../util/rng.js";
import { countTokens } from "../../text/tokens.js";
import { parseWith } from "../../util/json-file.js";
import { EndpointBlockSchema, serverUrls, type EndpointBlock, type EndpointBlockInput, type Usage } from "./profile.js";
import { poolFor, type ServerPool } from "./pool.js";
import { Semaphore, backoffDelayMs, DEFAULT_BACKOFF, sleep, redact, type BackoffPolicy } from "./retry.js";
import {
  AttemptTimeoutError,
  BadBodyError,
  classifyFailure,
  isModelNotFound,
  ReplyOverCapError,
  ReplyTooLargeError,
  replyTooLarge,
  type AttemptFailure,
} from "./errors.js";

/** Default `maxReplyBytes`: far above what maxTokens output tokens take, far below what hurts to hold. */
export const DEFAULT_MAX_REPLY_BYTES = 1_048_576;
/** Default `maxReplyTokens` = this × maxTokens (slack for servers whose tokenizer counts differently). */
export const DEFAULT_REPLY_TOKENS_PER_MAX_TOKEN = 2;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatOptions {
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /** answers sampled from one prompt (the API's `n`; default 1) */
  n?: number;
}

export interface ChatResult {
  /** the first answer */
  text: string;
  /** every answer, when more than one was asked for (`n` > 1): texts[0] = text */
  texts?: string[];
  usage: Usage;
  /** true when the server sent no `usage` and tokens were counted locally (o200k_base) */
  usageEstimated: boolean;
  /** attempts made, 1 when the first one succeeded */
  attempts: number;
}

export interface RetryEvent {
  attempt: number;
  kind: AttemptFailure["kind"];
  detail: string;
  delayMs: number;
}

export interface EndpointClientOptions {
  /** seeds the backoff jitter so a run's retry schedule is reproducible */
  seed?: number;
  backoff?: Partial<BackoffPolicy>;
  /** where the API key is looked up (default process.env) */
  env?: Record<string, string | undefined>;
  /** called before each retry sleep: progress for stderr; never receives the key */
  onRetry?: (e: RetryEvent) => void;
}

export interface ProbeResult {
  /** model names the server listed, when GET /models works */
  models?: string[];
  /** how the model was confirmed */
  via: "models" | "completion";
}

/**
 * A chat-completions client for one OpenAI-compatible endpoint. Uses the official `openai` client with its own
 * retries off; this class owns retries (seeded exponential backoff with jitter, Retry-After honoured), a
 * per-attempt timeout covering the whole reply, and bounded concurrency (a call keeps its slot through its
 * retries, so a rate-limited server sees fewer requests, not more). The API key is read once from the named
 * environment variable and is scrubbed from every message this class produces.
 */
export class EndpointClient {
  readonly block: EndpointBlock;
  /** one API client per server (a profile may list several: baseUrls) */
  private readonly apis: OpenAI[];
  private readonly urls: string[];
  private readonly pool: ServerPool;
  /** the server this client's stream is kept on; -1 until its first request */
  private server = -1;
  private readonly key: string | undefined;
  private readonly sem: Semaphore;
  private readonly rng: Rng;
  private readonly backoff: BackoffPolicy;
  private readonly onRetry?: (e: RetryEvent) => void;

  constructor(block: EndpointBlockInput, opts: EndpointClientOptions = {}) {
    this.block = parseWith(EndpointBlockSchema, block, "The endpoint block");
    const env = opts.env ?? process.env;
    if (this.block.apiKeyEnv !== undefined) {
      const v = env[this.block.apiKeyEnv];
      if (!v)
        throw new CuratorError(
          "ENDPOINT_ERROR",
          `The environment variable ${this.block.apiKeyEnv} (named by endpoint.apiKeyEnv) is not set. ` +
            `Export it with the API key for ${this.block.baseUrl}, or remove apiKeyEnv if the server needs no key.`,
        );
      this.key = v;
    }
    this.urls = serverUrls(this.block);
    this.pool = poolFor(this.urls);
    this.apis = this.urls.map(
      (baseURL) =>
        new OpenAI({
          baseURL,
          apiKey: this.key ?? "no-key",
          maxRetries: 0,
          timeout: this.block.timeoutMs,
          logLevel: "off",
          fetch: cappedFetch(this.maxReplyBytes, this.block.maxReplyBytes === undefined),
        }),
    );
    this.sem = new Semaphore(this.block.concurrency);
    this.rng = new Rng([opts.seed ?? 0, 0x7e7]);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.onRetry = opts.onRetry;
  }

  get maxReplyBytes(): number {
    return this.block.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  }

  /** The token cap of a call that asked for at most `maxTokens` output tokens. */
  maxReplyTokens(maxTokens = this.block.maxTokens): number {
    return this.block.maxReplyTokens ?? DEFAULT_REPLY_TOKENS_PER_MAX_TOKEN * Math.max(maxTokens, this.block.maxTokens);
  }

  /** The base URL this client's stream is kept on (assigned at its first request). */
  get serverUrl(): string {
    return this.urls[Math.max(0, this.server)];
  }

  /** Requests currently holding a concurrency slot. */
  get inFlight(): number {
    return this.sem.inFlight;
  }

  /** One chat completion, retried on transient failures. Throws CuratorError ENDPOINT_ERROR when it gives up. */
  chat(messages: ChatMessage[], opts: ChatOptions = {}): Promise<ChatResult> {
    return this.sem.run(async () => {
      if (this.server < 0) this.server = this.pool.assign();
      for (let attempt = 0; ; attempt++) {
        const at = this.server;
        try {
          const r = await this.attempt(messages, opts, at);
          return { ...r, attempts: attempt + 1 };
        } catch (e) {
          const over = replyTooLarge(e);
          if (over) throw this.overCap(over, messages, opts);
          const f = classifyFailure(e);
          if (isModelNotFound(f)) throw await this.modelError(f);
          if (!f.retryable || attempt >= this.block.maxRetries) throw this.failure(f, attempt + 1);
          // A server that cannot be reached loses its stream to the least busy other server.
          if (this.urls.length > 1 && (f.kind === "refused" || f.kind === "connection" || f.kind === "dns"))
            this.server = this.pool.assign(at);
          const delayMs = backoffDelayMs(attempt, this.rng, this.backoff, f.retryAfterMs);
          this.onRetry?.({ attempt: attempt + 1, kind: f.kind, detail: this.scrub(f.detail), delayMs });
          await sleep(delayMs);
        }
      }
    });
  }

  /**
   * Checks, within the timeout, that the endpoint answers and serves the model: GET /models when the server has
   * it, else (or when the name is not listed, as with llama.cpp's single-model server) a 1-token completion.
   */
  async probe(): Promise<ProbeResult> {
    const results: ProbeResult[] = [];
    for (let at = 0; at < this.urls.length; at++) results.push(await this.probeServer(at));
    return results[0];
  }

  private async probeServer(at: number): Promise<ProbeResult> {
    let models: string[] | undefined;
    try {
      models = await this.listModels(at);
    } catch (e) {
      const f = classifyFailure(e);
      const unreachable = f.kind === "refused" || f.kind === "dns" || f.kind === "connection" || f.kind === "timeout";
      if (unreachable || f.kind === "auth") throw this.failure(f, 1, at);
      // no /models route (404/405/bad body): fall through to a completion
    }
    if (models?.includes(this.block.model)) return { models, via: "models" };
    try {
      await this.once([{ role: "user", content: "Reply with OK." }], { maxTokens: 1 }, at);
      return { models, via: "completion" };
    } catch (e) {
      const f = classifyFailure(e);
      if (isModelNotFound(f) || (models && f.kind === "not-found")) throw await this.modelError(f, models, at);
      throw this.failure(f, 1, at);
    }
  }

  /** One attempt on server `at`, counted in the pool's in-flight requests while it runs. */
  private async attempt(messages: ChatMessage[], opts: ChatOptions, at: number): Promise<Omit<ChatResult, "attempts">> {
    this.pool.begin(at);
    try {
      return await this.once(messages, opts, at);
    } finally {
      this.pool.end(at);
    }
  }

  private async once(
    messages: ChatMessage[],
    opts: ChatOptions,
    at = Math.max(0, this.server),
  ): Promise<Omit<ChatResult, "attempts">> {
    const resp: unknown = await this.withTimeout((signal) =>
      this.apis[at].chat.completions.create(
        {
          model: this.block.model,
          messages,
          max_tokens: opts.maxTokens ?? this.block.maxTokens,
          temperature: opts.temperature ?? this.block.temperature,
          ...(opts.stop ? { stop: opts.stop } : {}),
          ...(opts.n !== undefined && opts.n > 1 ? { n: opts.n } : {}),
        },
        { signal, timeout: this.block.timeoutMs, maxRetries: 0 },
      ),
    );
    if (typeof resp !== "object" || resp === null)
      throw new BadBodyError(
        `reply body is not JSON (got ${typeof resp === "string" ? `text: ${JSON.stringify(resp.slice(0, 60))}` : typeof resp})`,
      );
    const r = resp as {
      choices?: Array<{ message?: { content?: unknown } }>;
      usage?: {
        prompt_tokens?: unknown;
        completion_tokens?: unknown;
        prompt_tokens_details?: { cached_tokens?: unknown } | null;
      } | null;
    };
    const n = opts.n ?? 1;
    const contents = Array.from({ length: n }, (_, i) => r.choices?.[i]?.message?.content);
    const missing = contents.findIndex((c) => typeof c !== "string" && c !== null);
    if (missing >= 0)
      throw new BadBodyError(
        `reply JSON has no choices[${missing}].message.content${n > 1 ? ` (${n} answers were asked for with n=${n}: does the server support n?)` : ""}`,
      );
    const texts = contents.map((c) => (c as string | null) ?? "");
    const text = texts[0];
    const num = (x: unknown): number | undefined =>
      typeof x === "number" && Number.isFinite(x) && x >= 0 ? Math.round(x) : undefined;
    const pt = num(r.usage?.prompt_tokens);
    const ct = num(r.usage?.completion_tokens);
    // Counting is linear and the body is at most maxReplyBytes: this is the last step before anything uses the text.
    const textTokens = texts.reduce((sum, x) => sum + countTokens(x), 0);
    const server = pt !== undefined && ct !== undefined;
    const usage: Usage = server
      ? {
          promptTokens: pt,
          cachedTokens: Math.min(pt, num(r.usage?.prompt_tokens_details?.cached_tokens) ?? 0),
          completionTokens: ct,
        }
      : { promptTokens: promptTokensOf(messages), cachedTokens: 0, completionTokens: textTokens };
    const cap = n * this.maxReplyTokens(opts.maxTokens);
    const tokens = Math.max(textTokens, ct ?? 0);
    if (tokens > cap)
      throw new ReplyTooLargeError(
        `a reply of ${tokens.toLocaleString("en-US")} tokens, over endpoint.maxReplyTokens=${cap.toLocaleString("en-US")}${this.block.maxReplyTokens === undefined ? " (default: 2 × maxTokens)" : ""}`,
        usage,
      );
    return { text, ...(n > 1 ? { texts } : {}), usage, usageEstimated: !server };
  }

  /** The error for a reply over a cap: the task fails with this reason; the call's cost as well as it is known. */
  private overCap(e: ReplyTooLargeError, messages: ChatMessage[], opts: ChatOptions): ReplyOverCapError {
    const usage = e.usage ?? {
      promptTokens: promptTokensOf(messages),
      cachedTokens: 0,
      completionTokens: opts.maxTokens ?? this.block.maxTokens,
    };
    return new ReplyOverCapError(
      this.scrub(
        `${this.serverUrl} (model '${this.block.model}') sent ${e.message}; the reply was refused before use. Raise the cap in the profile if such replies are expected.`,
      ),
      usage,
    );
  }

  /** Model names from GET /models (one attempt, within the timeout). */
  private listModels(at = Math.max(0, this.server)): Promise<string[]> {
    return this.withTimeout(async (signal) => {
      const page = await this.apis[at].models.list({ signal, timeout: this.block.timeoutMs, maxRetries: 0 });
      const data = (page as unknown as { data?: Array<{ id?: unknown }> }).data;
      if (!Array.isArray(data)) throw new BadBodyError("GET /models did not return a model list");
      return data.map((m) => String(m.id));
    });
  }

  /** Runs one attempt under an AbortController that fires after timeoutMs, covering headers AND body. */
  private async withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctrl = new AbortController();
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      ctrl.abort();
    }, this.block.timeoutMs);
    try {
      return await fn(ctrl.signal);
    } catch (e) {
      if (fired) throw new AttemptTimeoutError(this.block.timeoutMs);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private scrub(text: string): string {
    return redact(text, this.key);
  }

  private failure(f: AttemptFailure, attempts: number, at = Math.max(0, this.server)): CuratorError {
    const url = this.urls[at];
    const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
    let msg: string;
    if (f.kind === "refused") msg = `cannot reach ${url}: connection refused — is the server running?${tries}`;
    else if (f.kind === "dns") msg = `cannot reach ${url}: host name not found — check endpoint.baseUrl.`;
    else if (f.kind === "timeout")
      msg = `${url} did not reply within endpoint.timeoutMs=${this.block.timeoutMs} ms${tries}. Is the server up and the model loaded? Raise timeoutMs for slow models.`;
    else if (f.kind === "auth")
      msg = `${url} refused the credentials (${f.detail}). Check the key in ${this.block.apiKeyEnv ? `$${this.block.apiKeyEnv}` : "endpoint.apiKeyEnv (none is set)"}.`;
    else if (f.kind === "not-found")
      msg = `${url} answered ${f.detail}. Check that endpoint.baseUrl ends with the API root (usually /v1).`;
    else msg = `request to ${url} (model '${this.block.model}') failed${tries}: ${f.detail}.`;
    return new CuratorError("ENDPOINT_ERROR", this.scrub(msg));
  }

  private async modelError(f: AttemptFailure, listed?: string[], at = Math.max(0, this.server)): Promise<CuratorError> {
    const models = listed ?? (await this.listModels(at).catch(() => undefined));
    const avail =
      models && models.length
        ? ` Available models: ${models.slice(0, 20).join(", ")}${models.length > 20 ? ", …" : ""}.`
        : "";
    return new CuratorError(
      "ENDPOINT_ERROR",
      this.scrub(
        `${this.urls[at]} does not serve model '${this.block.model}' (${f.detail}).${avail} Fix endpoint.model in the profile.`,
      ),
    );
  }
}

/** Prompt tokens counted locally (o200k_base, 4 per message for the chat framing), when the server sends no usage. */
function promptTokensOf(messages: readonly ChatMessage[]): number {
  return messages.reduce((s, m) => s + countTokens(m.content) + 4, 0);
}

/**
 * fetch that reads every response body itself, at most `maxBytes` of it (after decompression): a longer body
 * is cancelled unread and the attempt fails with ReplyTooLargeError, so no later step ever holds or parses it.
 */
function cappedFetch(maxBytes: number, isDefault: boolean): typeof fetch {
  const tooLarge = (what: string) =>
    new ReplyTooLargeError(
      `${what}, over endpoint.maxReplyBytes=${maxBytes.toLocaleString("en-US")}${isDefault ? " (the default)" : ""}`,
    );
  return async (input, init) => {
    const res = await fetch(input, init);
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (!res.headers.get("content-encoding") && declared > maxBytes) {
      await res.body?.cancel();
      throw tooLarge(`a reply body of ${declared.toLocaleString("en-US")} bytes`);
    }
    if (!res.body) return res;
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge(`a reply body of more than ${maxBytes.toLocaleString("en-US")} bytes`);
      }
      chunks.push(value);
    }
    const headers = new Headers(res.headers);
    headers.delete("content-encoding");
    headers.delete("content-length");
    return new Response(Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers });
  };
}
