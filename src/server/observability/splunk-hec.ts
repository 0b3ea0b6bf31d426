import { fileURLToPath } from 'node:url';
import pino from 'pino';
import {
  CLOSE_REQUEST,
  CLOSED_EVENT,
  type HecShipperStats,
  type HecTuning,
  PROBLEM_EVENT,
  STATS_EVENT,
} from './splunk-hec-worker.mjs';

/**
 * Ships log lines straight to a Splunk HTTP Event Collector, for installs without a log agent.
 * It sits beside stdout in pino's multistream, so it must never block or fail the server, and it
 * must cost the event loop little: the batching, retries and HTTP all run in a worker thread
 * (splunk-hec-worker.mjs, a pino transport); here a line is only copied into thread-stream's
 * shared buffer.
 *
 * Bounds: the worker keeps at most `maxBufferedEvents` (dropping the oldest). On this side,
 * thread-stream holds what the worker has not read yet: its 4 MiB shared buffer (filled from start
 * to end, then reused once the worker has read all of it), and a list of lines that did not fit.
 * thread-stream lets that list grow without limit, so this side stops adding to it at
 * MAX_BACKLOG_CHARS: a worker that stopped reading costs at most ~8 MiB here, and the lines beyond
 * are dropped and counted until thread-stream has drained. A worker that dies is reported once on
 * stderr; its lines are dropped and counted from then on.
 */

export interface SplunkHecOptions extends HecTuning {
  /** Base URL (`https://splunk:8088`) or the full event endpoint (`.../services/collector/event`). */
  url: string;
  token: string;
  /** How often the worker sends its figures for the metrics (they are also sent on `flush()`). */
  statsIntervalMs?: number;
  /** Where the shipper reports its own trouble (default: a JSON line on stderr). */
  onProblem?: (message: string, details: Record<string, unknown>) => void;
  /** The transport's module (tests: a worker that dies). */
  workerFile?: string;
}

export interface SplunkHecStats {
  /** Events waiting: queued in the worker, in its request in flight, or not yet read by it. */
  buffered: number;
  /** Events Splunk accepted. */
  sent: number;
  /** Events given up on: dropped at a bound, refused by Splunk as malformed, or lost with the worker. */
  dropped: number;
  /** Requests that failed and were retried. */
  failedRequests: number;
}

/** Next to this file in src/ (tsx, Vitest) and in dist/ (the build copies it: scripts/copy-workers.mjs). */
export const HEC_WORKER_FILE = fileURLToPath(new URL('./splunk-hec-worker.mjs', import.meta.url));

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

/** What may wait in thread-stream's list while its shared buffer is full (characters, ≈ bytes). */
const MAX_BACKLOG_CHARS = 4 * 1024 * 1024;

const NO_WORKER_STATS: HecShipperStats = { received: 0, buffered: 0, sent: 0, dropped: 0, failedRequests: 0 };

type Transport = ReturnType<typeof pino.transport>;

export class SplunkHecStream {
  private readonly transport: Transport;
  private readonly onProblem: (message: string, details: Record<string, unknown>) => void;
  /** The worker's figures as of its last report. */
  private worker: HecShipperStats = NO_WORKER_STATS;
  /** Lines handed to thread-stream. */
  private written = 0;
  /** Lines dropped on this side (thread-stream full, worker gone, shipper closed). */
  private droppedHere = 0;
  /**
   * Characters written since thread-stream last said its shared buffer is full (its `write()`
   * returning false); undefined while it is not. Normal each time the buffer is used up, until the
   * worker has read it; it only grows to the bound when the worker stops reading.
   */
  private backlog: number | undefined;
  /** `ended`: no more lines go to the worker; `dead`: the worker stopped on its own. */
  private state: 'open' | 'ended' | 'dead' = 'open';
  private closing: Promise<void> | undefined;

  constructor(options: SplunkHecOptions) {
    const { url, token, onProblem, workerFile, ...tuning } = options;
    this.onProblem = onProblem ?? stderrProblem;
    this.transport = pino.transport({
      target: workerFile ?? HEC_WORKER_FILE,
      options: { endpoint: hecEventUrl(url), token, ...tuning },
    });
    this.transport.on(STATS_EVENT, (stats: HecShipperStats) => {
      this.worker = stats;
    });
    this.transport.on(PROBLEM_EVENT, (message: string, details: Record<string, unknown>) =>
      this.onProblem(message, details),
    );
    this.transport.on('drain', () => {
      this.backlog = undefined;
    });
    // Without a listener, thread-stream's 'error' (a worker that died) would crash the process.
    this.transport.on('error', (error: Error) => this.lost(error));
    this.transport.on('close', () => this.lost(new Error('the worker thread exited')));
  }

  /** One pino line. Never throws and never waits: a line that cannot be handed over is counted. */
  write(line: string): boolean {
    if (this.state !== 'open' || (this.backlog ?? 0) >= MAX_BACKLOG_CHARS) {
      this.droppedHere += 1;
      return true;
    }
    this.written += 1;
    if (this.transport.write(line)) this.backlog = undefined;
    else this.backlog = (this.backlog ?? 0) + line.length;
    return true;
  }

  stats(): SplunkHecStats {
    const w = this.worker;
    // Lines written but not yet read by the worker; a dead worker's are lost, not waiting.
    const unread = Math.max(0, this.written - w.received);
    return this.state === 'dead'
      ? {
          buffered: 0,
          sent: w.sent,
          dropped: w.dropped + this.droppedHere + w.buffered + unread,
          failedRequests: w.failedRequests,
        }
      : {
          buffered: w.buffered + unread,
          sent: w.sent,
          dropped: w.dropped + this.droppedHere,
          failedRequests: w.failedRequests,
        };
  }

  /** Resolves once the worker has read every line written so far; `stats()` is then current. */
  flush(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    return new Promise((resolve) => this.transport.flush(() => resolve()));
  }

  /**
   * Deliver what is waiting, for up to `timeoutMs` (one attempt: a failing Splunk is not retried),
   * then stop the worker. Lines written after this are dropped. Never rejects.
   */
  close(timeoutMs = 5_000): Promise<void> {
    this.closing ??= this.finish(timeoutMs);
    return this.closing;
  }

  private async finish(timeoutMs: number): Promise<void> {
    if (this.state !== 'open') return;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const gone = new Promise<'gone'>((resolve) => this.transport.once('close', () => resolve('gone')));
    // First every line written so far reaches the worker, then it makes its last delivery.
    let outcome: 'flushed' | 'closed' | 'timeout' | 'gone' = await Promise.race([
      this.flush().then(() => 'flushed' as const),
      deadline,
      gone,
    ]);
    if (outcome === 'flushed') {
      const closed = new Promise<'closed'>((resolve) =>
        this.transport.once(CLOSED_EVENT, () => resolve('closed')),
      );
      // The worker's own deadline comes a little earlier, so its answer arrives within ours.
      const remaining = Math.max(0, timeoutMs - (performance.now() - started) - 100);
      this.transport.emit('message', { code: CLOSE_REQUEST, timeoutMs: remaining });
      outcome = await Promise.race([closed, deadline, gone]);
    }
    clearTimeout(timer);
    if (this.state !== 'open') return;
    this.state = 'ended';
    if (outcome === 'closed' && this.backlog === undefined) {
      // The worker answered and has read (nearly) everything, so it ends at once: end() waits for
      // it synchronously (thread-stream blocks up to 10 s for a worker that does not read), but here
      // only briefly.
      this.transport.end();
    } else {
      // A worker that did not answer in time, or stopped reading, may never: stop it without
      // waiting (thread-stream keeps the Worker on a property its types do not declare).
      void (this.transport as unknown as { worker?: { terminate(): Promise<number> } }).worker
        ?.terminate()
        .catch(() => {});
    }
  }

  /** The worker stopped (or was stopped): what it held is lost; later lines are dropped here. */
  private lost(error: Error): void {
    if (this.state !== 'open') return;
    this.state = 'dead';
    this.onProblem('splunk hec log shipper stopped; log events for Splunk are dropped from now on', {
      reason: error.message,
    });
  }
}
