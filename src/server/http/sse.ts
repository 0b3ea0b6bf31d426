import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { RunLog } from '../realtime/run-log.js';

/**
 * Open SSE responses, so shutdown can end them: run streams end by themselves once their run's
 * last events are written; live-event streams never do and are ended at once.
 */
export class SseConnections {
  private readonly open = new Map<AbortController, 'run' | 'events'>();
  private readonly emptied = new Set<() => void>();

  track(controller: AbortController, kind: 'run' | 'events'): () => void {
    this.open.set(controller, kind);
    return () => {
      this.open.delete(controller);
      if (this.open.size === 0) for (const resolve of this.emptied) resolve();
    };
  }

  get size(): number {
    return this.open.size;
  }

  /** End live-event streams now; give run streams up to `drainMs` to send their last events. */
  async closeAll(drainMs: number): Promise<void> {
    for (const [controller, kind] of this.open) if (kind === 'events') controller.abort();
    if (this.open.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.emptied.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    for (const controller of this.open.keys()) controller.abort();
  }
}

export function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * Take over the response for an SSE stream. Headers already set on the reply (request id,
 * security headers from hooks) are kept. Returns the writer and a signal that fires when the
 * client goes away or the server shuts down.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  connections: SseConnections,
  heartbeatMs: number,
  kind: 'run' | 'events',
  headers: Record<string, string> = {},
) {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  const controller = new AbortController();
  const untrack = connections.track(controller, kind);
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Tell nginx-style proxies not to buffer the stream.
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
    ...headers,
  });
  res.flushHeaders();
  // 'close' on the response fires when the client disconnects (or after we end it).
  res.on('close', () => controller.abort());
  // Comments keep proxies and load balancers from closing a quiet stream.
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();

  return {
    signal: controller.signal,
    async write(chunk: string): Promise<void> {
      if (controller.signal.aborted) return;
      if (!res.write(chunk)) {
        await once(res, 'drain', { signal: controller.signal }).catch(() => undefined);
      }
    },
    end(): void {
      clearInterval(heartbeat);
      untrack();
      if (!res.writableEnded) res.end();
    },
  };
}

/** Stream a run's events after `after` (exclusive), each with its sequence number as SSE id. */
export async function streamRun(
  request: FastifyRequest,
  reply: FastifyReply,
  runLog: RunLog,
  connections: SseConnections,
  heartbeatMs: number,
  runId: string,
  after: number,
  headers: Record<string, string>,
): Promise<void> {
  const stream = openEventStream(request, reply, connections, heartbeatMs, 'run', {
    'x-vercel-ai-ui-message-stream': 'v1',
    'x-parley-run-id': runId,
    ...headers,
  });
  try {
    for await (const event of runLog.follow(runId, after, stream.signal)) {
      await stream.write(`id: ${event.seq}\ndata: ${event.data}\n\n`);
    }
  } finally {
    stream.end();
  }
}

/** The Last-Event-ID header wins over `?after=`; both count events already received. */
export function resumePoint(request: FastifyRequest, queryAfter: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return queryAfter;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw new AppError(
      'validation_error',
      'Last-Event-ID must be the id (a whole number) of the last event received.',
    );
  }
  return Number(raw.trim());
}
