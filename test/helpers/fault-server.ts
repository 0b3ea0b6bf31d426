import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an OpenAI chat-completions endpoint that fails on demand. It speaks the real
 * wire protocol (POST /v1/chat/completions, SSE chunks, usage chunk, [DONE], error bodies), so the
 * real AI SDK provider talks to it, and it records when each request's connection closed: that is how
 * a test knows that stop really aborted the upstream HTTP request.
 */

export interface FaultStep {
  /** Non-2xx: answer with an OpenAI error body. */
  status?: number;
  error?: { message: string; type?: string; code?: string | null };
  headers?: Record<string, string>;
  /** Wait this long before the response headers. */
  headersDelayMs?: number;
  /** Never answer: before the headers, or after the headers but before any chunk. */
  hang?: 'before-headers' | 'before-first-chunk';
  /** Text deltas to stream (default: "Hi", " there", "!"). */
  chunks?: string[];
  firstChunkDelayMs?: number;
  chunkDelayMs?: number;
  /** Destroy the socket after this many text chunks. */
  cutAfter?: number;
  /** Go silent (socket kept open) after this many text chunks. */
  stallAfter?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  /** performance.now() when the request arrived. */
  receivedAt: number;
  /** performance.now() when its connection (or response) closed. */
  closedAt: number | undefined;
  /** Whether the response was sent to the end before the close. */
  completed: boolean;
  closed: Promise<void>;
}

export interface FaultServer {
  url: string;
  /** The base URL a provider client takes (`.../v1`). */
  baseURL: string;
  requests: RecordedRequest[];
  /** Queue steps for the next requests; after the queue, requests get `fallback` (a plain success). */
  script(...steps: FaultStep[]): void;
  setFallback(step: FaultStep): void;
  close(): Promise<void>;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Rate limit reached for requests',
  500: 'The server had an error while processing your request.',
  503: 'The engine is currently overloaded, please try again later',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
  const body = {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

async function answer(step: FaultStep, res: ServerResponse, body: Record<string, unknown> | undefined) {
  if (step.headersDelayMs) await sleep(step.headersDelayMs);
  if (step.hang === 'before-headers') return;

  const status = step.status ?? 200;
  if (status >= 400) {
    const error = {
      message: DEFAULT_MESSAGES[status] ?? `HTTP ${status}`,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
      param: null,
      ...step.error,
    };
    res.writeHead(status, { 'content-type': 'application/json', ...step.headers });
    res.end(JSON.stringify({ error }));
    return;
  }

  const chunks = step.chunks ?? ['Hi', ' there', '!'];
  const usage = { prompt_tokens: 7, completion_tokens: chunks.length, total_tokens: 7 + chunks.length };
  if (body?.stream !== true) {
    if (step.hang === 'before-first-chunk') return;
    res.writeHead(200, { 'content-type': 'application/json', ...step.headers });
    res.end(
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [
          { index: 0, message: { role: 'assistant', content: chunks.join('') }, finish_reason: 'stop' },
        ],
        usage,
      }),
    );
    return;
  }

  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...step.headers,
  });
  res.flushHeaders();
  if (step.hang === 'before-first-chunk') return;
  if (step.firstChunkDelayMs) await sleep(step.firstChunkDelayMs);

  res.write(chunk({ role: 'assistant', content: '' }));
  for (const [index, text] of chunks.entries()) {
    if (res.destroyed) return;
    if (index > 0 && step.chunkDelayMs) await sleep(step.chunkDelayMs);
    if (res.destroyed) return;
    res.write(chunk({ content: text }));
    if (step.cutAfter === index + 1) {
      // Let the written chunks reach the client, then break the connection mid-reply.
      await sleep(30);
      res.socket?.destroy();
      return;
    }
    if (step.stallAfter === index + 1) return;
  }
  res.write(chunk({}, 'stop'));
  const options = body?.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage) {
    res.write(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
}

export async function startFaultServer(): Promise<FaultServer> {
  const queue: FaultStep[] = [];
  let fallback: FaultStep = {};
  const requests: RecordedRequest[] = [];

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      receivedAt: performance.now(),
      closedAt: undefined,
      completed: false,
      closed: once(res, 'close').then(() => {
        record.closedAt = performance.now();
        record.completed = res.writableFinished;
      }),
    };
    requests.push(record);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error', code: null } }));
      return;
    }
    await answer(queue.shift() ?? fallback, res, body).catch(() => res.destroy());
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    script(...steps) {
      queue.push(...steps);
    },
    setFallback(step) {
      fallback = step;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
