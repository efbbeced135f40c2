import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { countTokens } from "../../src/text/tokens.js";

/**
 * A local OpenAI-compatible server (127.0.0.1, random port) for tests: deterministic scripted replies and a
 * queue of injectable faults, each consumed by one chat request.
 */
export type Fault =
  | { kind: "rate-limit"; retryAfter?: string; retryAfterMs?: string }
  | { kind: "server-error"; status?: number }
  | { kind: "slow"; delayMs: number }
  | { kind: "slow-body"; delayMs: number }
  | { kind: "non-json"; contentType?: string }
  | { kind: "drop" }
  | { kind: "unauthorized"; message?: string }
  /** no fault: lets a later fault in the queue hit a later request */
  | { kind: "none" };

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  max_tokens?: number;
}

export interface ScriptedReply {
  text: string;
  /** override prompt_tokens_details.cached_tokens (default: a simulated prefix cache) */
  cachedTokens?: number;
}

export interface ScriptedServerOptions {
  /** model names served; a request for another gets 404 model_not_found (default ["scripted-model"]) */
  models?: string[];
  /** answers a request; default echoes "OK" */
  respond?: (req: ChatRequest, n: number) => string | ScriptedReply;
  /** serve GET /models (default true) */
  modelsRoute?: boolean;
  /** send `usage` (default true) */
  usage?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: ChatRequest;
  at: number;
}

export class ScriptedServer {
  readonly faults: Fault[] = [];
  readonly requests: RecordedRequest[] = [];
  private chatCount = 0;
  private active = 0;
  /** most chat requests the server was handling at once */
  maxInFlight = 0;
  private readonly seenPrompts: string[] = [];
  private readonly sockets = new Set<import("node:net").Socket>();

  private constructor(
    private readonly server: Server,
    private readonly opts: ScriptedServerOptions,
  ) {
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  static async start(opts: ScriptedServerOptions = {}): Promise<ScriptedServer> {
    let self: ScriptedServer | undefined;
    const server = createServer((req, res) => void self!.handle(req, res));
    self = new ScriptedServer(server, opts);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  /** base URL including /v1, as an endpoint profile names it */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }
  get chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith("/chat/completions"));
  }

  inject(...faults: Fault[]): this {
    this.faults.push(...faults);
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "/").split("?")[0];
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      authorization: req.headers.authorization,
      at: Date.now(),
    };
    this.requests.push(rec);
    const models = this.opts.models ?? ["scripted-model"];
    if (req.method === "GET" && path === "/v1/models") {
      if (this.opts.modelsRoute === false)
        return json(res, 404, { error: { message: "Not found", type: "not_found" } });
      return json(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "test" })),
      });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions")
      return json(res, 404, { error: { message: `no route ${path}` } });
    const body = JSON.parse(raw) as ChatRequest;
    rec.body = body;
    this.active++;
    this.maxInFlight = Math.max(this.maxInFlight, this.active);
    try {
      await this.chat(req, res, body);
    } finally {
      this.active--;
    }
  }

  private async chat(req: IncomingMessage, res: ServerResponse, body: ChatRequest): Promise<void> {
    const models = this.opts.models ?? ["scripted-model"];
    const fault = this.faults.shift();
    if (fault) {
      switch (fault.kind) {
        case "rate-limit": {
          const h: Record<string, string> = {};
          if (fault.retryAfter !== undefined) h["retry-after"] = fault.retryAfter;
          if (fault.retryAfterMs !== undefined) h["retry-after-ms"] = fault.retryAfterMs;
          return json(
            res,
            429,
            { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } },
            h,
          );
        }
        case "server-error":
          return json(res, fault.status ?? 500, {
            error: { message: "The server had an error", type: "server_error" },
          });
        case "slow":
          await sleep(fault.delayMs);
          if (res.destroyed || req.socket.destroyed) return;
          break;
        case "slow-body": {
          res.writeHead(200, { "content-type": "application/json" });
          res.write('{"id":"x",');
          await sleep(fault.delayMs);
          if (!res.destroyed) res.end('"object":"chat.completion","choices":[]}');
          return;
        }
        case "non-json":
          res.writeHead(200, { "content-type": fault.contentType ?? "text/html" });
          res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
          return;
        case "drop":
          req.socket.destroy();
          return;
        case "none":
          break;
        case "unauthorized":
          return json(res, 401, {
            error: {
              message: fault.message ?? "Incorrect API key provided",
              type: "invalid_request_error",
              code: "invalid_api_key",
            },
          });
      }
    }
    if (!models.includes(body.model))
      return json(res, 404, {
        error: {
          message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
          type: "invalid_request_error",
          param: null,
          code: "model_not_found",
        },
      });
    const n = this.chatCount++;
    const out = this.opts.respond ? this.opts.respond(body, n) : "OK";
    const reply = typeof out === "string" ? { text: out } : out;
    const prompt = body.messages.map((m) => `${m.role}:${m.content}`).join("\n");
    const promptTokens = countTokens(prompt) + 4 * body.messages.length;
    // a prefix cache: the longest prefix shared with an earlier prompt, in whole 16-token blocks
    let common = 0;
    for (const prev of this.seenPrompts) {
      let k = 0;
      while (k < prompt.length && k < prev.length && prompt[k] === prev[k]) k++;
      common = Math.max(common, k);
    }
    this.seenPrompts.push(prompt);
    const cached = reply.cachedTokens ?? Math.floor(countTokens(prompt.slice(0, common)) / 16) * 16;
    const completion = countTokens(reply.text);
    json(res, 200, {
      id: `chatcmpl-${n}`,
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: reply.text }, finish_reason: "stop" }],
      ...(this.opts.usage === false
        ? {}
        : {
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: completion,
              total_tokens: promptTokens + completion,
              prompt_tokens_details: { cached_tokens: Math.min(cached, promptTokens) },
            },
          }),
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
