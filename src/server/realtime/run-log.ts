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
  /** Events after `after`, then live ones until the run ends or `signal` aborts. */
  follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent>;
  /** End the log of a run whose owner died: append `payloads` after its last event. */
  terminate(runId: string, payloads: string[]): Promise<void>;
}

interface Entry {
  events: RunEvent[];
  ended: boolean;
  wake: Set<() => void>;
}

export class MemoryRunLog implements RunLog {
  private readonly logs = new Map<string, Entry>();

  // A minute covers reconnects after a network blip; later, the stored message has the full text.
  constructor(private readonly retainMs = 60_000) {}

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

  async *follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent> {
    const entry = this.logs.get(runId);
    if (!entry) return;
    // Events are stored in seq order starting at 1, so the event after `after` is at index `after`.
    let index = Math.max(0, after);
    while (!signal.aborted) {
      while (index < entry.events.length) {
        const event = entry.events[index++] as RunEvent;
        yield event;
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
    }
  }

  private notify(entry: Entry): void {
    for (const wake of [...entry.wake]) wake();
  }
}
