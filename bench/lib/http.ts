import http from 'node:http';

/** Small HTTP helpers for the benchmark's own client side (node:http, no framework). */

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
}

/** A JSON request for setup steps (not timed). */
export async function json<T = unknown>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T };
}

export interface FirstEventOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  /** Keep-alive agent, or `false` for a fresh connection (a reconnect). */
  agent: http.Agent | false;
  /** True for the received text once it holds the awaited event. */
  found: (received: string) => boolean;
  /** Read the response to its end after the event (keeps the connection reusable), or cut it. */
  drain: boolean;
  timeoutMs?: number;
}

/**
 * Milliseconds from sending the request to receiving the first chunk for which `found` is true,
 * measured on this (client) side with performance.now().
 */
export function timeToFirst(options: FirstEventOptions): Promise<number> {
  const target = new URL(options.url);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    let elapsed: number | undefined;
    let received = '';
    const timer = setTimeout(() => {
      req.destroy(new Error(`no event from ${options.url} within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    const started = performance.now();
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        agent: options.agent,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          clearTimeout(timer);
          reject(new Error(`${options.url}: HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (elapsed !== undefined) return;
          received += chunk;
          if (!options.found(received)) return;
          elapsed = performance.now() - started;
          if (!options.drain) {
            clearTimeout(timer);
            res.destroy();
            resolve(elapsed);
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          if (elapsed === undefined) reject(new Error(`${options.url}: the stream ended before the event`));
          else resolve(elapsed);
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          if (elapsed !== undefined && !options.drain) return;
          reject(error);
        });
      },
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      if (elapsed !== undefined) resolve(elapsed);
      else reject(error);
    });
    req.end(payload);
  });
}

/** Run `worker(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, worker: (i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      await worker(i);
    }
  });
  await Promise.all(lanes);
}

export interface StreamedTurn {
  /** `text-delta` events received. */
  deltas: number;
  /** Milliseconds to the first `text-delta` event, and to the end of the stream. */
  firstMs: number;
  totalMs: number;
}

const DELTA = '"type":"text-delta"';

/** POST a turn with `Accept: text/event-stream` and read its stream to the end, counting deltas. */
export function streamTurn(
  url: string,
  body: unknown,
  agent: http.Agent,
  timeoutMs = 60_000,
): Promise<StreamedTurn> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstMs = Number.NaN;
    let deltas = 0;
    // A delta marker can be cut by a chunk boundary: keep the tail of the previous chunk.
    let carry = '';
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
        timeout: timeoutMs,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${url}: HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = carry + chunk;
          let at = text.indexOf(DELTA);
          while (at !== -1) {
            if (deltas++ === 0) firstMs = performance.now() - started;
            at = text.indexOf(DELTA, at + DELTA.length);
          }
          // Shorter than a marker, so a marker found across the boundary was not counted before.
          carry = text.slice(-(DELTA.length - 1));
        });
        res.on('end', () => resolve({ deltas, firstMs, totalMs: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no end within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
