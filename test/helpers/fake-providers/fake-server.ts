import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shared part of the fake providers: a real HTTP server on 127.0.0.1 (port 0) that records
 * every request and answers model calls from a script. Each provider file adds only its wire
 * format (paths, SSE or NDJSON frames, usage fields, error bodies).
 */

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The JSON body, parsed (the raw text when it is not JSON; undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: provider request bodies are arbitrary JSON that tests walk freely
  body: any;
  receivedAt: number;
  /** Settles when the connection of this request closes: the reply finished or the client went away. */
  closed: Promise<void>;
  /** True when the client closed the connection before the reply was complete (an abort). */
  aborted: boolean;
  closedAt: number | undefined;
}

export interface FakeError {
  message: string;
  /** Provider-specific error type/status; each protocol picks a realistic one by HTTP status when unset. */
  type?: string;
  code?: string | number;
}

/** One scripted answer to a model call. */
export interface FakeReply {
  /** HTTP status; 200 streams `chunks`, anything else sends the provider's error body. */
  status?: number;
  /** Extra response headers (e.g. `retry-after`). */
  headers?: Record<string, string>;
  error?: FakeError;
  /** Text pieces, one per frame. */
  chunks?: string[];
  /**
   * Reasoning pieces, one per frame, streamed before the text: a `thinking` block (Anthropic) or
   * `reasoning_content` deltas (OpenAI-compatible, DeepSeek style). The other fakes ignore it.
   */
  reasoning?: string[];
  usage?: { inputTokens: number; outputTokens: number };
  /** Provider-native finish reason (`stop`, `end_turn`, `STOP`, `length`...). */
  finishReason?: string;
  /** Wait this long before the response headers. */
  delayMs?: number;
  /** Never answer; the connection stays open until the client gives up. */
  hang?: boolean;
  /** Wait this long between frames. */
  chunkDelayMs?: number;
  /** Send this many text chunks, then go silent with the connection open. */
  stallAfter?: number;
  /** Send this many text chunks, then destroy the socket (a stream cut mid-reply). */
  cutAfter?: number;
  /** Full control: answer the request yourself. */
  raw?: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: RecordedRequest,
  ) => void | Promise<void>;
}

export type FakeScript =
  | FakeReply
  | ((request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>);

export interface Frame {
  data: string;
  /** A frame carrying a text chunk (what `stallAfter` / `cutAfter` count). */
  text?: boolean;
}

export interface Protocol {
  /** Path prefix a client's base URL points at, e.g. `/v1`. */
  basePath: string;
  /** Whether a request is a model call, answered from the script. */
  isModelCall(request: RecordedRequest): boolean;
  /** Answers a request that is not a model call (e.g. a model list); undefined → 404. */
  route?(request: RecordedRequest): { status: number; body: unknown } | undefined;
  /** The provider's JSON error body for an HTTP error. */
  errorBody(status: number, error: FakeError): unknown;
  /** The response of a successful model call: streamed frames, or one JSON body when the call did not stream. */
  reply(
    reply: Required<Pick<FakeReply, 'chunks' | 'usage'>> & FakeReply,
    request: RecordedRequest,
  ): { contentType: string; frames: Frame[] } | { json: unknown };
}

export interface FakeServer {
  /** e.g. `http://127.0.0.1:43210` */
  origin: string;
  /** What a provider's base URL setting points at, e.g. `http://127.0.0.1:43210/v1`. */
  baseURL: string;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Model calls only. */
  readonly calls: RecordedRequest[];
  /** The answer used when the queue is empty (default: three chunks and some usage). */
  script(script: FakeScript): void;
  /** Answers used once each, in order, before the default script. */
  enqueue(...scripts: FakeScript[]): void;
  /** Resolves with the n-th model call (1-based) once it arrives. */
  waitForCall(n: number, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** What a model call gets when nothing was scripted. */
export const DEFAULT_REPLY: Readonly<Required<Pick<FakeReply, 'chunks' | 'usage'>>> = {
  chunks: ['Hello', ' from', ' the fake provider.'],
  usage: { inputTokens: 12, outputTokens: 5 },
};

const TEXT = 'text/plain; charset=utf-8';

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeServer(protocol: Protocol): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const calls: RecordedRequest[] = [];
  const queue: FakeScript[] = [];
  let fallback: FakeScript = DEFAULT_REPLY;
  const waiters: (() => void)[] = [];

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    let markClosed!: () => void;
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(Buffer.concat(chunks).toString('utf8')),
      receivedAt: Date.now(),
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
      aborted: false,
      closedAt: undefined,
    };
    res.on('close', () => {
      request.aborted = !res.writableFinished;
      request.closedAt = Date.now();
      markClosed();
    });
    requests.push(request);

    try {
      if (!protocol.isModelCall(request)) {
        const routed = protocol.route?.(request);
        if (routed) return sendJson(res, routed.status, routed.body);
        return sendJson(
          res,
          404,
          protocol.errorBody(404, { message: `No route for ${request.method} ${request.path}` }),
        );
      }
      calls.push(request);
      for (const wake of waiters.splice(0)) wake();
      const script = queue.shift() ?? fallback;
      const reply = typeof script === 'function' ? await script(request, calls.length) : script;
      await answer(req, res, request, reply);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': TEXT });
      res.end(String(error));
    }
  });

  // Sleeps that end early when the client goes away, so no timer outlives a test.
  const pause = (ms: number, request: RecordedRequest) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void request.closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  async function answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: RecordedRequest,
    reply: FakeReply,
  ): Promise<void> {
    if (reply.delayMs) await pause(reply.delayMs, request);
    if (reply.hang) return void (await request.closed);
    if (request.closedAt !== undefined) return;
    if (reply.raw) return void (await reply.raw(req, res, request));

    const status = reply.status ?? 200;
    if (status >= 400) {
      const error = reply.error ?? { message: `Fake ${status} error` };
      return sendJson(res, status, protocol.errorBody(status, error), reply.headers);
    }
    const full = {
      ...reply,
      chunks: reply.chunks ?? [...DEFAULT_REPLY.chunks],
      usage: reply.usage ?? { ...DEFAULT_REPLY.usage },
    };
    const out = protocol.reply(full, request);
    if ('json' in out) return sendJson(res, status, out.json, reply.headers);

    res.writeHead(status, { 'content-type': out.contentType, 'cache-control': 'no-cache', ...reply.headers });
    let texts = 0;
    for (const frame of out.frames) {
      if (request.closedAt !== undefined) return;
      if (frame.text) {
        if (reply.stallAfter !== undefined && texts >= reply.stallAfter) return void (await request.closed);
        if (reply.cutAfter !== undefined && texts >= reply.cutAfter) return void res.socket?.destroy();
        texts += 1;
      }
      // Wait until the frame is handed to the socket: a cut right after must not swallow what came before.
      await new Promise<void>((resolve) => res.write(frame.data, () => resolve()));
      if (reply.chunkDelayMs) await pause(reply.chunkDelayMs, request);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    baseURL: `${origin}${protocol.basePath}`,
    requests,
    get calls() {
      return calls;
    },
    script(script) {
      fallback = script;
    },
    enqueue(...scripts) {
      queue.push(...scripts);
    },
    async waitForCall(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (calls.length < n) {
        if (Date.now() > deadline)
          throw new Error(`fake server: call ${n} did not arrive in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return calls[n - 1] as RecordedRequest;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An SSE frame: `data:` only, or with an `event:` line (Anthropic). */
export function sse(data: unknown, event?: string): string {
  const line = `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
  return event ? `event: ${event}\n${line}` : line;
}
