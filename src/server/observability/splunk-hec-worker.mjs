// The Splunk HTTP Event Collector shipper, run in a worker thread as a pino transport (thread-stream).
//
// Plain JavaScript on purpose: a worker thread loads this file with Node alone (no tsx, no Vite
// transform), the same way under `npm run dev`, Vitest and `node dist/server/main.js`; the build
// copies it to dist/ as it is. Types for TypeScript callers: splunk-hec-worker.d.mts.
//
// The main thread (splunk-hec.ts) only copies each log line into thread-stream's shared buffer;
// everything that costs time happens here:
// - `write` only splits lines, wraps them as HEC events and queues them; requests go out from a
//   timer, one at a time, in batches (by count and bytes, or after `flushIntervalMs`);
// - failed batches (network, 429, 5xx, bad token) are retried with exponential backoff;
// - the queue is bounded: beyond `maxBufferedEvents` the oldest waiting events are dropped and counted;
// - its own problems and its figures go to the main thread as thread-stream events, never through
//   the logger it serves.

import { EventEmitter } from 'node:events';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';

/** The thread-stream event names the main thread listens for (splunk-hec.ts). */
export const STATS_EVENT = 'parley:hec-stats';
export const PROBLEM_EVENT = 'parley:hec-problem';
export const CLOSED_EVENT = 'parley:hec-closed';
/** The message the main thread posts to ask for a last delivery before the worker is ended. */
export const CLOSE_REQUEST = 'parley:hec-close';

/** The queue, batching, retries and delivery; usable in any thread (the bench runs it in-process). */
export class HecShipper {
  /** @param {import('./splunk-hec-worker.d.mts').HecShipperOptions} options */
  constructor(options) {
    this.endpoint = options.endpoint;
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
    this.onProblem = options.onProblem;

    /** @type {string[]} Serialized HEC events, oldest first. */
    this.queue = [];
    this.inFlight = 0;
    /** @type {NodeJS.Timeout | undefined} */
    this.timer = undefined;
    /** @type {Promise<void> | undefined} */
    this.pumping = undefined;
    this.consecutiveFailures = 0;
    this.closing = false;
    /** @type {(() => void) | undefined} Cuts a backoff wait short (on close, to make a last attempt at once). */
    this.wake = undefined;
    this.counts = { received: 0, sent: 0, dropped: 0, failedRequests: 0 };
    this.outage = false;
  }

  /** One pino line (JSON, with or without its newline). Never throws and never waits. */
  write(line) {
    this.counts.received += 1;
    try {
      this.enqueue(this.toEvent(line));
    } catch {
      // A line that cannot even be wrapped is not worth failing the logger over.
      this.counts.dropped += 1;
    }
    return true;
  }

  stats() {
    return { buffered: this.queue.length + this.inFlight, ...this.counts };
  }

  /** Send what is queued now instead of at the next timer. */
  kick() {
    this.clearTimer();
    if (this.queue.length > 0) void this.pump();
  }

  /** Send what is queued, for up to `timeoutMs`; a failure is not retried (shutdown is not held for Splunk). */
  async close(timeoutMs = 5_000) {
    this.closing = true;
    this.clearTimer();
    this.wake?.();
    let timer;
    const deadline = new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.pump(), deadline]);
    clearTimeout(timer);
  }

  toEvent(line) {
    const text = line.trimEnd();
    let event = text;
    let ms = Date.now();
    try {
      event = JSON.parse(text);
      const time = event?.time;
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

  enqueue(event) {
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
  trim() {
    const excess = this.queue.length + this.inFlight - this.maxBufferedEvents;
    if (excess <= 0) return;
    const removable = Math.min(excess, this.queue.length);
    this.queue.splice(0, removable);
    this.counts.dropped += removable;
  }

  clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The single sender: drains the queue batch by batch, backing off while Splunk fails. */
  pump() {
    this.pumping ??= this.drain().finally(() => {
      this.pumping = undefined;
      // What a final failed attempt left behind is retried later if the shipper is still in use.
      if (this.queue.length > 0 && !this.closing) this.scheduleFlush();
    });
    return this.pumping;
  }

  scheduleFlush() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  async drain() {
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

  takeBatch() {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.batchSize) {
      const size = Buffer.byteLength(this.queue[count]) + 1;
      if (count > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  async send(batch) {
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

  failed(reason) {
    if (this.outage) return;
    this.outage = true;
    this.onProblem('splunk hec unreachable; buffering log events and retrying', {
      reason,
      endpoint: this.endpoint,
      maxBufferedEvents: this.maxBufferedEvents,
    });
  }

  recovered() {
    this.consecutiveFailures = 0;
    if (!this.outage) return;
    this.outage = false;
    this.onProblem('splunk hec reachable again', { dropped: this.counts.dropped });
  }

  /** Exponential backoff with full jitter; `close` cuts it short. */
  backoff() {
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

/** Tell the main thread something, as a thread-stream event (`stream.on(name, ...)` there). */
function emit(name, ...args) {
  parentPort?.postMessage({ code: 'EVENT', name, args });
}

/**
 * The thread-stream destination: what the worker reads from the shared buffer arrives here as text
 * (a chunk may end mid-line, so the tail waits for the next chunk).
 */
class HecDestination extends EventEmitter {
  /** @param {import('./splunk-hec-worker.d.mts').HecWorkerOptions} options */
  constructor(options) {
    super();
    this.shipper = new HecShipper({
      ...options,
      onProblem: (message, details) => emit(PROBLEM_EVENT, message, details),
    });
    this.partial = '';
    this.reported = '';
    // Figures for the metrics: sent when they changed, at most once an interval (a message per
    // line would cost the main thread more than the line itself).
    this.statsTimer = setInterval(() => this.report(), Math.max(1, options.statsIntervalMs ?? 1_000));
    this.statsTimer.unref();
    parentPort?.on('message', (message) => {
      if (message?.code === CLOSE_REQUEST) void this.closeShipper(message.timeoutMs);
    });
  }

  write(chunk) {
    const text = this.partial + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) this.shipper.write(text.slice(start, end));
      start = end + 1;
    }
    this.partial = text.slice(start);
    return true;
  }

  /** thread-stream's flush (the main thread's `flush()`): every line so far has been read; figures go now. */
  flush() {
    this.shipper.kick();
    this.report(true);
  }

  report(always = false) {
    const stats = this.shipper.stats();
    const key = `${stats.received} ${stats.buffered} ${stats.sent} ${stats.dropped} ${stats.failedRequests}`;
    if (!always && key === this.reported) return;
    this.reported = key;
    emit(STATS_EVENT, stats);
  }

  async closeShipper(timeoutMs) {
    if (this.partial) this.shipper.write(this.partial);
    this.partial = '';
    await this.shipper.close(timeoutMs);
    this.report(true);
    emit(CLOSED_EVENT);
  }

  /** thread-stream's end: the main thread has already had its last delivery (or gave up on it). */
  end() {
    clearInterval(this.statsTimer);
    this.shipper.clearTimer();
    setImmediate(() => this.emit('close'));
  }
}

/** The thread-stream entry point: options come from pino.transport({ target, options }). */
export default async function hecTransport(options) {
  return new HecDestination(options);
}
