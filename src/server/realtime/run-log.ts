/**
 * The run log: every event of a run, numbered from 1, kept while the run lives and for a while
 * after, so a client can reconnect with Last-Event-ID and get exactly the events it missed.
 * This is the in-memory implementation; a Redis Streams one sits behind the same interface.
 */

export interface RunEvent {
  /** Sequence number within the run, starting at 1; sent as the SSE `id`. */
  seq: number;
  /** The SSE `data` payload: one JSON object, or `[DONE]` as the run's last event. */
  data: string;
}

export interface RunLog {
  /** Start a log for a new run. */
  open(runId: string): void;
  /** Add the event numbered `seq` (the run numbers its own events, 1, 2, 3...). */
  append(runId: string, event: RunEvent): void;
  /** No more events will come; the log is kept for `retainMs` so late reconnects still resume. */
  end(runId: string): void;
  /** Whether the run's log exists (here or, for Redis, on any instance). */
  has(runId: string): Promise<boolean>;
  /**
   * Events after `after`, then live ones until the run ends or `signal` aborts, in batches: what
   * arrived together goes out together (one socket write per follower, not one per token).
   */
  follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent[]>;
  /** End the log of a run whose owner died: append `payloads` after its last event. */
  terminate(runId: string, payloads: string[]): Promise<void>;
}

/**
 * A batch holds at most this many events and about this much text, so a resume of a long run is
 * written in pieces with backpressure between them, and one write never nears a stream's bound on
 * unsent bytes (which would cut a client that is reading).
 */
export const MAX_BATCH_EVENTS = 256;
export const MAX_BATCH_CHARS = 64 * 1024;

/** Where the batch starting at `from` ends (exclusive): at least one event, within both bounds. */
export function batchEnd(events: readonly RunEvent[], from: number): number {
  let end = from;
  let chars = 0;
  while (end < events.length && end - from < MAX_BATCH_EVENTS) {
    chars += (events[end] as RunEvent).data.length;
    if (chars > MAX_BATCH_CHARS && end > from) break;
    end += 1;
  }
  return end;
}

/**
 * Before taking a batch of live events, let the events of this moment gather: one turn of the
 * event loop (`coalesceMs` 0: every token parsed from one provider read goes out in one write), or
 * up to `coalesceMs` since this follower's last write. An event after a quiet spell longer than the
 * window is not held back, so the first token is never delayed by more than a loop turn.
 */
export function coalesce(coalesceMs: number, lastWriteAt: number): Promise<void> | undefined {
  const wait = coalesceMs - (performance.now() - lastWriteAt);
  if (coalesceMs > 0 && wait <= 0) return undefined;
  return new Promise((resolve) => {
    if (coalesceMs > 0) setTimeout(resolve, wait);
    else setImmediate(resolve);
  });
}

interface Entry {
  events: RunEvent[];
  ended: boolean;
  wake: Set<() => void>;
}

export class MemoryRunLog implements RunLog {
  private readonly logs = new Map<string, Entry>();

  // A minute covers reconnects after a network blip; later, the stored message has the full text.
  constructor(
    private readonly retainMs = 60_000,
    private readonly coalesceMs = 0,
  ) {}

  open(runId: string): void {
    this.logs.set(runId, { events: [], ended: false, wake: new Set() });
  }

  append(runId: string, event: RunEvent): void {
    const entry = this.logs.get(runId);
    if (!entry || entry.ended) return;
    entry.events.push(event);
    this.notify(entry);
  }

  end(runId: string): void {
    const entry = this.logs.get(runId);
    if (!entry || entry.ended) return;
    entry.ended = true;
    this.notify(entry);
    setTimeout(() => this.logs.delete(runId), this.retainMs).unref();
  }

  /** Whether this process holds the run's log (the synchronous check the Redis log builds on). */
  hasLocal(runId: string): boolean {
    return this.logs.has(runId);
  }

  async has(runId: string): Promise<boolean> {
    return this.logs.has(runId);
  }

  async terminate(runId: string, payloads: string[]): Promise<void> {
    const entry = this.logs.get(runId);
    if (!entry || entry.ended) return;
    let seq = entry.events.at(-1)?.seq ?? 0;
    for (const data of payloads) this.append(runId, { seq: ++seq, data });
    this.end(runId);
  }

  async *follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent[]> {
    const entry = this.logs.get(runId);
    if (!entry) return;
    // Events are stored in seq order starting at 1, so the event after `after` is at index `after`.
    let index = Math.max(0, after);
    let lastWriteAt = Number.NEGATIVE_INFINITY;
    while (!signal.aborted) {
      while (index < entry.events.length) {
        const batch = entry.events.slice(index, batchEnd(entry.events, index));
        index += batch.length;
        yield batch;
        lastWriteAt = performance.now();
        if (signal.aborted) return;
      }
      if (entry.ended) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          entry.wake.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        entry.wake.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
      if (!entry.ended) await coalesce(this.coalesceMs, lastWriteAt);
    }
  }

  private notify(entry: Entry): void {
    for (const wake of [...entry.wake]) wake();
  }
}
