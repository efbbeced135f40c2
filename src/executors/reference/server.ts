/**
 * A local OpenAI-compatible chat-completions server backed by SkillWorld (respond.ts): GET /v1/models and
 * POST /v1/chat/completions, `usage` counted with the toolkit's tokenizer and cached prefix tokens reported in
 * `prompt_tokens_details.cached_tokens` (../prefix-cache.ts). Used by `curator reference-server`, by tests (start
 * in-process on a random port) and by the benchmark (injected latency).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { WorldConfig } from "../../schemas/world.js";
import type { ExecutorProfile } from "../../schemas/executor.js";
import { countTokens, tokenPrefix } from "../../text/tokens.js";
import { ReferenceRequestError, ReferenceWorld, type ChatMessageIn, type Reply } from "./respond.js";
import { PrefixCache, promptTokens, type PrefixCacheOptions } from "../prefix-cache.js";
import { Semaphore } from "../endpoint/retry.js";

export interface ReferenceServerOptions {
  world: WorldConfig;
  executor: ExecutorProfile;
  seed: number;
  /** 0 = a random free port */
  port?: number;
  host?: string;
  /** model name served (default "skillworld-<executor name>") */
  model?: string;
  /** added before every chat reply, as a model's compute time */
  latencyMs?: number;
  /** chat requests served at once (a GPU's batch slots); more wait in a queue. Default: no limit */
  maxConcurrent?: number;
  cache?: PrefixCacheOptions;
}

export interface ServedRequest {
  kind: Reply["kind"];
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  success?: boolean;
}

export class ReferenceServer {
  readonly world: ReferenceWorld;
  readonly model: string;
  /** every chat request answered, in arrival order */
  readonly served: ServedRequest[] = [];
  private readonly cache: PrefixCache;
  private readonly sockets = new Set<Socket>();
  private active = 0;
  private readonly slots: Semaphore | undefined;
  /** most chat requests in flight at once */
  maxInFlight = 0;

  private constructor(
    private readonly server: Server,
    private readonly opts: ReferenceServerOptions,
  ) {
    this.world = new ReferenceWorld(opts.world, opts.executor, opts.seed);
    this.model = opts.model ?? `skillworld-${opts.executor.name}`;
    this.cache = new PrefixCache(opts.cache);
    this.slots = opts.maxConcurrent ? new Semaphore(opts.maxConcurrent) : undefined;
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  static async start(opts: ReferenceServerOptions): Promise<ReferenceServer> {
    let self: ReferenceServer | undefined;
    const server = createServer((req, res) => void self!.handle(req, res));
    self = new ReferenceServer(server, opts);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** base URL including /v1, as an endpoint profile names it */
  get url(): string {
    const host = this.opts.host && this.opts.host !== "0.0.0.0" ? this.opts.host : "127.0.0.1";
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}/v1`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "");
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.method === "GET" && path === "/v1/models")
        return json(res, 200, {
          object: "list",
          data: [{ id: this.model, object: "model", created: 0, owned_by: "curator-toolkit" }],
        });
      if (req.method !== "POST" || path !== "/v1/chat/completions")
        return json(res, 404, {
          error: {
            message: `no route ${req.method} ${path}; this server has GET /v1/models and POST /v1/chat/completions`,
            type: "not_found",
          },
        });
      const body = readBody(Buffer.concat(chunks).toString("utf8"));
      if (typeof body === "string") return json(res, 400, { error: { message: body, type: "invalid_request_error" } });
      if (body.model !== this.model)
        return json(res, 404, {
          error: {
            message: `The model '${body.model}' does not exist (this server serves '${this.model}')`,
            type: "invalid_request_error",
            code: "model_not_found",
          },
        });
      this.active++;
      this.maxInFlight = Math.max(this.maxInFlight, this.active);
      try {
        await (this.slots ? this.slots.run(() => this.chat(res, body)) : this.chat(res, body));
      } finally {
        this.active--;
      }
    } catch (e) {
      if (!res.headersSent)
        json(res, 500, { error: { message: `reference server error: ${(e as Error).message}`, type: "server_error" } });
    }
  }

  private async chat(res: ServerResponse, body: ChatBody): Promise<void> {
    let reply: Reply;
    try {
      reply = this.world.respond(body.messages, body.n ?? 1);
    } catch (e) {
      if (e instanceof ReferenceRequestError)
        return json(res, 400, { error: { message: e.message, type: "invalid_request_error" } });
      throw e;
    }
    const max = body.max_tokens;
    const texts = (reply.texts ?? [reply.text]).map((t) =>
      max !== undefined && countTokens(t) > max ? tokenPrefix(t, max) : t,
    );
    const prompt = promptTokens(body.messages);
    const cached = Math.min(prompt, this.cache.lookup(body.messages));
    const completion = texts.reduce((sum, t) => sum + countTokens(t), 0);
    this.served.push({
      kind: reply.kind,
      promptTokens: prompt,
      cachedTokens: cached,
      completionTokens: completion,
      ...(reply.success !== undefined ? { success: reply.success } : {}),
    });
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    json(res, 200, {
      id: `chatcmpl-ref-${this.served.length}`,
      object: "chat.completion",
      created: 0,
      model: this.model,
      choices: texts.map((content, index) => ({
        index,
        message: { role: "assistant", content },
        finish_reason: "stop",
      })),
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: cached },
      },
    });
  }
}

interface ChatBody {
  model: string;
  messages: ChatMessageIn[];
  max_tokens?: number;
  /** answers to sample (1 to MAX_N) */
  n?: number;
}

const MAX_N = 64;

/** The request body, or what is wrong with it. */
function readBody(raw: string): ChatBody | string {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return "request body is not JSON";
  }
  const b = v as Partial<ChatBody> | null;
  if (!b || typeof b.model !== "string") return "request body needs a string 'model'";
  if (
    !Array.isArray(b.messages) ||
    !b.messages.every((m) => m && typeof m.role === "string" && typeof m.content === "string")
  )
    return "request body needs 'messages': [{role, content}] with string content";
  const max = typeof b.max_tokens === "number" && b.max_tokens > 0 ? b.max_tokens : undefined;
  if (b.n !== undefined && !(Number.isInteger(b.n) && b.n >= 1 && b.n <= MAX_N))
    return `'n' must be a whole number from 1 to ${MAX_N}`;
  return { model: b.model, messages: b.messages, ...(max ? { max_tokens: max } : {}), ...(b.n ? { n: b.n } : {}) };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}
