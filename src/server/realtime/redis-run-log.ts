import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisSubscriptions } from './redis-subscriptions.js';
import { batchEnd, coalesce, MemoryRunLog, type RunEvent, type RunLog } from './run-log.js';

/** A live run's stream outlives a crashed owner only this long; the lease reaper ends it sooner. */
const RUNNING_TTL_MS = 24 * 3_600_000;
/** How often a remote follower re-reads the stream, in case a pub/sub message was lost. */
const POLL_MS = 2_000;

/**
 * The run log on Redis Streams, so any instance can resume any run. Runs started here are also
 * kept in memory and served from it (no round trip for the common case); every event is written
 * to a stream (`XADD key 0-<seq>`, ids are the sequence numbers) and announced on a channel.
 * A follower on another instance subscribes first, then reads the backlog with XRANGE, then
 * takes live events, filling any gap from the stream: no duplicate, no gap.
 */
export class RedisRunLog implements RunLog {
  private readonly local: MemoryRunLog;
  /** Writes of this event-loop turn, every run's, sent as one pipeline (one round trip) per turn. */
  private outbox: ((pipeline: ChainableCommander) => void)[] = [];
  private lastFlush: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly subscriptions: RedisSubscriptions,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly retainMs = 60_000,
    private readonly coalesceMs = 0,
  ) {
    this.local = new MemoryRunLog(retainMs, coalesceMs);
  }

  private key(runId: string): string {
    return `${this.prefix}:run:${runId}`;
  }

  /** Queue a write; the first of a turn schedules the flush. Order is kept across runs. */
  private write(command: (pipeline: ChainableCommander) => void): void {
    if (this.outbox.push(command) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const commands = this.outbox;
    this.outbox = [];
    const pipeline = this.redis.pipeline();
    for (const command of commands) command(pipeline);
    this.lastFlush = pipeline.exec().then(
      () => undefined,
      (err) =>
        this.logger.warn(
          { err: { message: err.message }, commands: commands.length },
          'could not write run events to redis',
        ),
    );
  }

  /** Send what is queued now and wait until Redis has it (before closing the connection). */
  flushed(): Promise<void> {
    this.flush();
    return this.lastFlush;
  }

  open(runId: string): void {
    this.local.open(runId);
  }

  append(runId: string, event: RunEvent): void {
    this.local.append(runId, event);
    const key = this.key(runId);
    this.write((pipeline) => {
      pipeline.xadd(key, `0-${event.seq}`, 'd', event.data);
      if (event.seq === 1) pipeline.pexpire(key, RUNNING_TTL_MS);
      pipeline.publish(key, `${event.seq}\n${event.data}`);
    });
    // A run's first event goes out at once: the answer that names the run may reach a client that
    // asks another instance for it before this turn of the loop ends.
    if (event.seq === 1) this.flush();
  }

  end(runId: string): void {
    this.local.end(runId);
    // Queued behind the run's last events, so it is not set before the stream exists.
    const key = this.key(runId);
    this.write((pipeline) => pipeline.pexpire(key, this.retainMs));
  }

  async has(runId: string): Promise<boolean> {
    if (this.local.hasLocal(runId)) return true;
    return (await this.redis.exists(this.key(runId))) === 1;
  }

  follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent[]> {
    if (this.local.hasLocal(runId)) return this.local.follow(runId, after, signal);
    return this.followRemote(runId, after, signal);
  }

  async terminate(runId: string, payloads: string[]): Promise<void> {
    if (this.local.hasLocal(runId)) return this.local.terminate(runId, payloads);
    const key = this.key(runId);
    const last = await this.redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const lastEntry = last[0];
    if (!lastEntry || lastEntry[1][1] === '[DONE]') return;
    let seq = Number(lastEntry[0].split('-')[1]);
    const pipeline = this.redis.pipeline();
    for (const data of payloads) {
      seq += 1;
      pipeline.xadd(key, `0-${seq}`, 'd', data).publish(key, `${seq}\n${data}`);
    }
    await pipeline.pexpire(key, this.retainMs).exec();
  }

  private async range(runId: string, fromSeq: number): Promise<RunEvent[]> {
    const entries = await this.redis.xrange(this.key(runId), `0-${fromSeq}`, '+');
    return entries.map(([id, fields]) => ({ seq: Number(id.split('-')[1]), data: fields[1] ?? '' }));
  }

  private async *followRemote(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent[]> {
    const live: RunEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = await this.subscriptions.add(this.key(runId), (message) => {
      const newline = message.indexOf('\n');
      live.push({ seq: Number(message.slice(0, newline)), data: message.slice(newline + 1) });
      wake?.();
    });
    let lastWriteAt = Number.NEGATIVE_INFINITY;
    try {
      let last = after;
      let pending = await this.range(runId, after + 1);
      for (;;) {
        // What this pass finds in order goes out as one batch.
        const batch: RunEvent[] = [];
        let finished = false;
        for (const event of pending) {
          if (event.seq <= last) continue;
          if (event.seq > last + 1) {
            // A live message arrived before the ones in between: read them from the stream.
            pending = await this.range(runId, last + 1);
            const first = pending[0];
            if (first && first.seq > last + 1) {
              // The stream itself lacks them (a write failed while Redis was down): skip ahead
              // rather than wait forever.
              this.logger.warn({ runId, from: last + 1, to: first.seq - 1 }, 'run events missing from redis');
              last = first.seq - 1;
            }
            break;
          }
          batch.push(event);
          last = event.seq;
          if (event.data === '[DONE]') {
            finished = true;
            break;
          }
        }
        for (let i = 0; i < batch.length; ) {
          const end = batchEnd(batch, i);
          yield batch.slice(i, end);
          i = end;
          lastWriteAt = performance.now();
        }
        if (finished || signal.aborted) return;
        if (pending.some((event) => event.seq > last)) continue;
        if (live.length === 0) {
          const gotSomething = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => done(false), POLL_MS);
            const onAbort = () => done(false);
            function done(value: boolean) {
              clearTimeout(timer);
              signal.removeEventListener('abort', onAbort);
              wake = undefined;
              resolve(value);
            }
            wake = () => done(true);
            signal.addEventListener('abort', onAbort, { once: true });
          });
          if (signal.aborted) return;
          if (!gotSomething) {
            // Quiet for a while: re-read the stream (covers lost messages) and stop if it is gone.
            pending = await this.range(runId, last + 1);
            if (pending.length === 0 && (await this.redis.exists(this.key(runId))) === 0) return;
            continue;
          }
          await coalesce(this.coalesceMs, lastWriteAt);
        }
        pending = live.splice(0).sort((a, b) => a.seq - b.seq);
      }
    } finally {
      unsubscribe();
    }
  }
}
