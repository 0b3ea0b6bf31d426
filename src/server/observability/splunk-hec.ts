import os from 'node:os';

/**
 * Ships log lines straight to a Splunk HTTP Event Collector, for installs without a log agent.
 * It sits beside stdout in pino's multistream, so it must never block or fail the server:
 * - `write` only parses and queues; requests go out from a timer, one at a time, in batches
 *   (by count and bytes, or after `flushIntervalMs`);
 * - failed batches (network, 429, 5xx, bad token) are retried with exponential backoff;
 * - the queue is bounded: beyond `maxBufferedEvents` the oldest waiting events are dropped and counted;
 * - its own problems go to stderr (once per outage), never through the logger it serves.
 */

export interface SplunkHecOptions {
  /** Base URL (`https://splunk:8088`) or the full event endpoint (`.../services/collector/event`). */
  url: string;
  token: string;
  host?: string;
  source?: string;
  sourcetype?: string;
  /** Events per request at most. */
  batchSize?: number;
  /** Bytes per request at most (HEC refuses bodies over 1 MB by default). */
  maxBatchBytes?: number;
  /** How long an event may wait for its batch to fill. */
  flushIntervalMs?: number;
  /** Events kept while Splunk is unreachable; older ones are dropped beyond it. */
  maxBufferedEvents?: number;
  requestTimeoutMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Where the shipper reports its own trouble (default: a JSON line on stderr). */
  onProblem?: (message: string, details: Record<string, unknown>) => void;
}

export interface SplunkHecStats {
  /** Events waiting (queued or in the request in flight). */
  buffered: number;
  /** Events Splunk accepted. */
  sent: number;
  /** Events given up on: dropped at the buffer bound or refused by Splunk as malformed. */
  dropped: number;
  /** Requests that failed and were retried. */
  failedRequests: number;
}

type Verdict = 'sent' | 'refused' | 'retry';

/** The event endpoint for a configured URL: a base URL gets the standard path. */
export function hecEventUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/services\/collector(\/event)?(\/1\.0)?$/.test(trimmed)
    ? trimmed
    : `${trimmed}/services/collector/event`;
}

function stderrProblem(message: string, details: Record<string, unknown>): void {
  process.stderr.write(
    `${JSON.stringify({ level: 40, time: new Date().toISOString(), service: 'parley', msg: message, ...details })}\n`,
  );
}

export class SplunkHecStream {
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly host: string;
  private readonly source: string;
  private readonly sourcetype: string;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedEvents: number;
  private readonly requestTimeoutMs: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly onProblem: (message: string, details: Record<string, unknown>) => void;

  /** Serialized HEC events, oldest first. */
  private queue: string[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private consecutiveFailures = 0;
  private closing = false;
  /** Cuts a backoff wait short (on close, to make a last attempt at once). */
  private wake: (() => void) | undefined;
  private readonly counts = { sent: 0, dropped: 0, failedRequests: 0 };
  private outage = false;

  constructor(options: SplunkHecOptions) {
    this.endpoint = hecEventUrl(options.url);
    this.authorization = `Splunk ${options.token}`;
    this.host = options.host ?? os.hostname();
    this.source = options.source ?? 'parley';
    this.sourcetype = options.sourcetype ?? '_json';
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.maxBatchBytes = Math.max(1024, options.maxBatchBytes ?? 512 * 1024);
    this.flushIntervalMs = Math.max(1, options.flushIntervalMs ?? 1_000);
    this.maxBufferedEvents = Math.max(1, options.maxBufferedEvents ?? 10_000);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.onProblem = options.onProblem ?? stderrProblem;
  }

  /** One pino line (JSON plus newline). Never throws and never waits. */
  write(line: string): boolean {
    try {
      this.enqueue(this.toEvent(line));
    } catch {
      // A line that cannot even be wrapped is not worth failing the logger over.
      this.counts.dropped += 1;
    }
    return true;
  }

  stats(): SplunkHecStats {
    return { buffered: this.queue.length + this.inFlight, ...this.counts };
  }

  /** Send what is queued, for up to `timeoutMs`; later writes are still accepted but not waited for. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closing = true;
    this.clearTimer();
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.pump(), deadline]);
    clearTimeout(timer);
  }

  private toEvent(line: string): string {
    const text = line.trimEnd();
    let event: unknown = text;
    let ms = Date.now();
    try {
      event = JSON.parse(text);
      const time = (event as { time?: unknown }).time;
      const parsed = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : NaN;
      if (!Number.isNaN(parsed)) ms = parsed;
    } catch {
      // Not JSON: shipped as a plain string event.
    }
    return JSON.stringify({
      time: Math.round(ms) / 1000,
      host: this.host,
      source: this.source,
      sourcetype: this.sourcetype,
      event,
    });
  }

  private enqueue(event: string): void {
    this.queue.push(event);
    this.trim();
    if (this.pumping) return;
    if (this.queue.length >= this.batchSize) {
      this.clearTimer();
      void this.pump();
    } else {
      this.scheduleFlush();
    }
  }

  /**
   * Keep queue + request in flight within the bound by dropping the oldest queued events. The batch
   * in flight is not touched (it may yet arrive); if it fails it goes back to the front, oldest of all.
   */
  private trim(): void {
    const excess = this.queue.length + this.inFlight - this.maxBufferedEvents;
    if (excess <= 0) return;
    const removable = Math.min(excess, this.queue.length);
    this.queue.splice(0, removable);
    this.counts.dropped += removable;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The single sender: drains the queue batch by batch, backing off while Splunk fails. */
  private pump(): Promise<void> {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined;
      // What a final failed attempt left behind is retried later if the stream is still in use.
      if (this.queue.length > 0 && !this.closing) this.scheduleFlush();
    });
    return this.pumping;
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight = batch.length;
      const verdict = await this.send(batch);
      this.inFlight = 0;
      if (verdict === 'sent') {
        this.counts.sent += batch.length;
        this.recovered();
        continue;
      }
      if (verdict === 'refused') {
        this.counts.dropped += batch.length;
        continue;
      }
      // Back at the front, in order; the bound still holds (the oldest go first).
      this.queue.unshift(...batch);
      this.trim();
      this.counts.failedRequests += 1;
      this.consecutiveFailures += 1;
      // On close, the attempt that just failed was the last one: shutdown is not held for Splunk.
      if (this.closing) return;
      await this.backoff();
    }
  }

  private takeBatch(): string[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.batchSize) {
      const size = Buffer.byteLength(this.queue[count] as string) + 1;
      if (count > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async send(batch: string[]): Promise<Verdict> {
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/json' },
        body: batch.join('\n'),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      const text = await response.text().catch(() => '');
      if (response.ok) return 'sent';
      // Malformed events (400) or a batch too large (413): sending them again would fail again.
      if (response.status === 400 || response.status === 413) {
        this.onProblem('splunk hec refused a batch of log events; dropped it', {
          status: response.status,
          response: text.slice(0, 200),
          events: batch.length,
        });
        return 'refused';
      }
      this.failed(`HTTP ${response.status} ${text.slice(0, 200)}`);
      return 'retry';
    } catch (error) {
      this.failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return 'retry';
    }
  }

  private failed(reason: string): void {
    if (this.outage) return;
    this.outage = true;
    this.onProblem('splunk hec unreachable; buffering log events and retrying', {
      reason,
      endpoint: this.endpoint,
      maxBufferedEvents: this.maxBufferedEvents,
    });
  }

  private recovered(): void {
    this.consecutiveFailures = 0;
    if (!this.outage) return;
    this.outage = false;
    this.onProblem('splunk hec reachable again', { dropped: this.counts.dropped });
  }

  /** Exponential backoff with full jitter; `close` cuts it short. */
  private backoff(): Promise<void> {
    const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** (this.consecutiveFailures - 1));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
