import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RevokedIdentity } from '../auth/account-service.js';
import { AppError } from '../errors.js';
import type { RunLog } from '../realtime/run-log.js';

/**
 * Unsent bytes a stream may hold for a client before it is cut off. A client that stops reading
 * must cost the server a bounded amount of memory; a live client catches up long before this.
 */
export const MAX_UNSENT_BYTES = 256 * 1024;
/** Sent as Retry-After when a user is at the open-stream cap: a slot frees when a stream closes. */
const STREAM_CAP_RETRY_SECONDS = 5;
/**
 * How long a revoked session or token id is remembered, so a stream whose request was
 * authenticated just before the revocation (and claims its slot just after) is still refused.
 */
const REVOKED_MEMORY_MS = 60_000;
const REVOKED_MEMORY_MAX = 10_000;

export type StreamKind = 'run' | 'events';

/** Who opened a stream: revoking that credential (or the user) ends it. */
interface StreamOwner {
  userId: string;
  sessionId: string | undefined;
  tokenId: string | undefined;
}

interface OpenStream {
  kind: StreamKind;
  owner: StreamOwner;
}

/** A claimed place for one stream: its abort signal fires on disconnect, revocation or shutdown. */
export interface StreamSlot {
  readonly controller: AbortController;
  /** Give the place back (idempotent). */
  release(): void;
}

/**
 * Open SSE responses: who opened each (so revocation can end them), how many each user holds
 * (the per-user cap), and shutdown, which ends them: run streams end by themselves once their
 * run's last events are written; live-event streams never do and are ended at once.
 * Counts are per instance: with N instances a user may hold up to N × the cap.
 */
export class SseConnections {
  private readonly open = new Map<AbortController, OpenStream>();
  private readonly perUser = new Map<string, number>();
  /** Revoked session/token ids (`s:`/`t:` + id) → when they may be forgotten. */
  private readonly revoked = new Map<string, number>();
  private readonly emptied = new Set<() => void>();
  /** One heartbeat timer per period for every open stream, not one timer per stream. */
  private readonly heartbeats = new Map<number, { timer: NodeJS.Timeout; beats: Set<() => void> }>();

  constructor(private readonly options: { maxPerUser: number }) {}

  /** Call `beat` every `periodMs` (on the period's shared timer) until the returned stop is called. */
  everyHeartbeat(periodMs: number, beat: () => void): () => void {
    let group = this.heartbeats.get(periodMs);
    if (!group) {
      const beats = new Set<() => void>();
      const timer = setInterval(() => {
        for (const each of beats) each();
      }, periodMs);
      timer.unref();
      group = { timer, beats };
      this.heartbeats.set(periodMs, group);
    }
    const { beats, timer } = group;
    beats.add(beat);
    return () => {
      beats.delete(beat);
      if (beats.size === 0 && this.heartbeats.get(periodMs)?.timer === timer) {
        clearInterval(timer);
        this.heartbeats.delete(periodMs);
      }
    };
  }

  /**
   * Claim a stream place for the request's identity. Synchronous, so checking the cap and taking
   * the place are one step. `capped: false` counts the stream without refusing it (a stream that
   * another limit already admitted, like an OpenAI-style completion under the run limit).
   */
  claim(request: FastifyRequest, kind: StreamKind, { capped = true } = {}): StreamSlot {
    const owner: StreamOwner = {
      userId: request.userId,
      sessionId: request.principal?.sessionId,
      tokenId: request.principal?.tokenId,
    };
    const revoked = this.wasRevoked(owner);
    if (revoked && capped) {
      throw new AppError('unauthorized', 'This session or token was revoked; sign in again.');
    }
    const held = this.perUser.get(owner.userId) ?? 0;
    if (capped && held >= this.options.maxPerUser) {
      throw new AppError(
        'too_many_streams',
        `You have ${held} live streams open, the most allowed; close one (another tab or device) and retry.`,
        { retryAfterSeconds: STREAM_CAP_RETRY_SECONDS },
      );
    }
    const controller = new AbortController();
    this.open.set(controller, { kind, owner });
    this.perUser.set(owner.userId, held + 1);
    // A stream opened mid-way through its work (not refused there) ends as soon as it starts.
    if (revoked) controller.abort(new DOMException('Credential revoked', 'AbortError'));
    let released = false;
    return {
      controller,
      release: () => {
        if (released) return;
        released = true;
        this.open.delete(controller);
        const left = (this.perUser.get(owner.userId) ?? 1) - 1;
        if (left > 0) this.perUser.set(owner.userId, left);
        else this.perUser.delete(owner.userId);
        if (this.open.size === 0) for (const resolve of this.emptied) resolve();
      },
    };
  }

  get size(): number {
    return this.open.size;
  }

  /** Open streams of one user on this instance. */
  heldBy(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  /**
   * End the streams of a revoked identity: one session's, one token's, or all of the user's.
   * Returns how many were ended.
   */
  revoke(revoked: RevokedIdentity): number {
    this.remember(revoked);
    let ended = 0;
    for (const [controller, { owner }] of this.open) {
      if (owner.userId !== revoked.userId) continue;
      const matches =
        revoked.allCredentials === true ||
        (revoked.sessionId !== undefined && owner.sessionId === revoked.sessionId) ||
        (revoked.tokenId !== undefined && owner.tokenId === revoked.tokenId);
      if (matches && !controller.signal.aborted) {
        controller.abort(new DOMException('Credential revoked', 'AbortError'));
        ended += 1;
      }
    }
    return ended;
  }

  /** End live-event streams now; give run streams up to `drainMs` to send their last events. */
  async closeAll(drainMs: number): Promise<void> {
    for (const [controller, { kind }] of this.open) if (kind === 'events') controller.abort();
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

  private remember(revoked: RevokedIdentity): void {
    const until = Date.now() + REVOKED_MEMORY_MS;
    if (revoked.sessionId) this.revoked.set(`s:${revoked.sessionId}`, until);
    if (revoked.tokenId) this.revoked.set(`t:${revoked.tokenId}`, until);
    // Oldest first (insertion order): bounded however many credentials are revoked.
    for (const [key, expires] of this.revoked) {
      if (this.revoked.size <= REVOKED_MEMORY_MAX && expires > Date.now()) break;
      this.revoked.delete(key);
    }
  }

  private wasRevoked(owner: StreamOwner): boolean {
    const now = Date.now();
    const keys = [owner.sessionId && `s:${owner.sessionId}`, owner.tokenId && `t:${owner.tokenId}`];
    return keys.some((key) => key && (this.revoked.get(key) ?? 0) > now);
  }
}

export function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * Take over the response for an SSE stream. Headers already set on the reply (request id,
 * security headers from hooks) are kept. Pass the slot claimed before any work was started for
 * this stream; without one, a place is claimed here (counted, not capped). Returns the writers
 * and a signal that fires when the client goes away, the credential is revoked, the client is
 * too slow or the server shuts down.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  connections: SseConnections,
  heartbeatMs: number,
  kind: StreamKind,
  headers: Record<string, string> = {},
  slot: StreamSlot = connections.claim(request, kind, { capped: false }),
) {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  const { controller } = slot;
  let stopHeartbeat = () => {};
  const closed = () => {
    stopHeartbeat();
    controller.abort();
    slot.release();
  };
  // 'close' on the response fires when the client disconnects (or after we end it); a client
  // gone before the stream opened must not keep its place.
  if (res.closed || res.destroyed) closed();
  else res.on('close', closed);
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
  if (!res.destroyed) res.flushHeaders();
  // A client that does not read: drop the connection (the buffer goes with it); it may reconnect.
  const tooSlow = () => {
    request.log.info({ unsentBytes: res.writableLength, kind }, 'stream closed: the client is not reading');
    controller.abort(new DOMException('Client too slow', 'AbortError'));
    res.destroy();
  };
  /**
   * Queue chunks (one SSE event) without waiting: `full` once the socket wants a drain, `over` if
   * the stream has ended (or was just cut for holding too much unsent data).
   */
  const queue = (...chunks: (string | Uint8Array)[]): 'sent' | 'full' | 'over' => {
    if (controller.signal.aborted || res.destroyed) return 'over';
    let size = res.writableLength;
    for (const chunk of chunks)
      size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (size > MAX_UNSENT_BYTES) {
      tooSlow();
      return 'over';
    }
    res.cork();
    let sent = true;
    for (const chunk of chunks) sent = res.write(chunk);
    res.uncork();
    return sent ? 'sent' : 'full';
  };
  // Comments keep proxies and load balancers from closing a quiet stream; a stream with unsent
  // data is not quiet, so heartbeats never pile up behind a client that does not read.
  if (!res.destroyed) {
    stopHeartbeat = connections.everyHeartbeat(heartbeatMs, () => {
      if (res.writableLength === 0) queue(': heartbeat\n\n');
    });
  }

  return {
    signal: controller.signal,
    /**
     * For pushed events (no one to wait): the unsent buffer is bounded, past it the stream ends.
     * Chunks go out as one write; a Buffer shared by many streams is not copied per stream.
     */
    send(...chunks: (string | Uint8Array)[]): void {
      queue(...chunks);
    },
    /** For pulled events: resolves once the socket takes more, so nothing queues while waiting. */
    async write(chunk: string): Promise<void> {
      if (queue(chunk) === 'full') {
        await once(res, 'drain', { signal: controller.signal }).catch(() => undefined);
      }
    },
    end(): void {
      stopHeartbeat();
      slot.release();
      if (!res.writableEnded && !res.destroyed) res.end();
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
  slot?: StreamSlot,
): Promise<void> {
  const stream = openEventStream(
    request,
    reply,
    connections,
    heartbeatMs,
    'run',
    {
      'x-vercel-ai-ui-message-stream': 'v1',
      'x-parley-run-id': runId,
      ...headers,
    },
    slot,
  );
  try {
    for await (const batch of runLog.follow(runId, after, stream.signal)) {
      let text = '';
      for (const event of batch) text += `id: ${event.seq}\ndata: ${event.data}\n\n`;
      await stream.write(text);
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
