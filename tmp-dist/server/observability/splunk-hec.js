import os from 'node:os';
/** The event endpoint for a configured URL: a base URL gets the standard path. */
export function hecEventUrl(url) {
    const trimmed = url.replace(/\/+$/, '');
    return /\/services\/collector(\/event)?(\/1\.0)?$/.test(trimmed)
        ? trimmed
        : `${trimmed}/services/collector/event`;
}
function stderrProblem(message, details) {
    process.stderr.write(`${JSON.stringify({ level: 40, time: new Date().toISOString(), service: 'parley', msg: message, ...details })}\n`);
}
export class SplunkHecStream {
    endpoint;
    authorization;
    host;
    source;
    sourcetype;
    batchSize;
    maxBatchBytes;
    flushIntervalMs;
    maxBufferedEvents;
    requestTimeoutMs;
    baseBackoffMs;
    maxBackoffMs;
    onProblem;
    /** Serialized HEC events, oldest first. */
    queue = [];
    inFlight = 0;
    timer;
    pumping;
    consecutiveFailures = 0;
    closing = false;
    /** Cuts a backoff wait short (on close, to make a last attempt at once). */
    wake;
    counts = { sent: 0, dropped: 0, failedRequests: 0 };
    outage = false;
    constructor(options) {
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
    write(line) {
        try {
            this.enqueue(this.toEvent(line));
        }
        catch {
            // A line that cannot even be wrapped is not worth failing the logger over.
            this.counts.dropped += 1;
        }
        return true;
    }
    stats() {
        return { buffered: this.queue.length + this.inFlight, ...this.counts };
    }
    /** Send what is queued, for up to `timeoutMs`; later writes are still accepted but not waited for. */
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
            const time = event.time;
            const parsed = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : NaN;
            if (!Number.isNaN(parsed))
                ms = parsed;
        }
        catch {
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
        if (this.pumping)
            return;
        if (this.queue.length >= this.batchSize) {
            this.clearTimer();
            void this.pump();
        }
        else {
            this.scheduleFlush();
        }
    }
    /**
     * Keep queue + request in flight within the bound by dropping the oldest queued events. The batch
     * in flight is not touched (it may yet arrive); if it fails it goes back to the front, oldest of all.
     */
    trim() {
        const excess = this.queue.length + this.inFlight - this.maxBufferedEvents;
        if (excess <= 0)
            return;
        const removable = Math.min(excess, this.queue.length);
        this.queue.splice(0, removable);
        this.counts.dropped += removable;
    }
    clearTimer() {
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = undefined;
    }
    /** The single sender: drains the queue batch by batch, backing off while Splunk fails. */
    pump() {
        this.pumping ??= this.drain().finally(() => {
            this.pumping = undefined;
            // What a final failed attempt left behind is retried later if the stream is still in use.
            if (this.queue.length > 0 && !this.closing)
                this.scheduleFlush();
        });
        return this.pumping;
    }
    scheduleFlush() {
        if (this.timer)
            return;
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
            if (this.closing)
                return;
            await this.backoff();
        }
    }
    takeBatch() {
        let bytes = 0;
        let count = 0;
        while (count < this.queue.length && count < this.batchSize) {
            const size = Buffer.byteLength(this.queue[count]) + 1;
            if (count > 0 && bytes + size > this.maxBatchBytes)
                break;
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
            if (response.ok)
                return 'sent';
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
        }
        catch (error) {
            this.failed(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
            return 'retry';
        }
    }
    failed(reason) {
        if (this.outage)
            return;
        this.outage = true;
        this.onProblem('splunk hec unreachable; buffering log events and retrying', {
            reason,
            endpoint: this.endpoint,
            maxBufferedEvents: this.maxBufferedEvents,
        });
    }
    recovered() {
        this.consecutiveFailures = 0;
        if (!this.outage)
            return;
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
