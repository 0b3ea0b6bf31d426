/**
 * The run log: every event of a run, numbered from 1, kept while the run lives and for a while
 * after, so a client can reconnect with Last-Event-ID and get exactly the events it missed.
 * This is the in-memory implementation; a Redis Streams one sits behind the same interface.
 */
export class MemoryRunLog {
    retainMs;
    logs = new Map();
    // A minute covers reconnects after a network blip; later, the stored message has the full text.
    constructor(retainMs = 60_000) {
        this.retainMs = retainMs;
    }
    open(runId) {
        this.logs.set(runId, { events: [], ended: false, wake: new Set() });
    }
    append(runId, event) {
        const entry = this.logs.get(runId);
        if (!entry || entry.ended)
            return;
        entry.events.push(event);
        this.notify(entry);
    }
    end(runId) {
        const entry = this.logs.get(runId);
        if (!entry || entry.ended)
            return;
        entry.ended = true;
        this.notify(entry);
        setTimeout(() => this.logs.delete(runId), this.retainMs).unref();
    }
    /** Whether this process holds the run's log (the synchronous check the Redis log builds on). */
    hasLocal(runId) {
        return this.logs.has(runId);
    }
    async has(runId) {
        return this.logs.has(runId);
    }
    async terminate(runId, payloads) {
        const entry = this.logs.get(runId);
        if (!entry || entry.ended)
            return;
        let seq = entry.events.at(-1)?.seq ?? 0;
        for (const data of payloads)
            this.append(runId, { seq: ++seq, data });
        this.end(runId);
    }
    async *follow(runId, after, signal) {
        const entry = this.logs.get(runId);
        if (!entry)
            return;
        // Events are stored in seq order starting at 1, so the event after `after` is at index `after`.
        let index = Math.max(0, after);
        while (!signal.aborted) {
            while (index < entry.events.length) {
                const event = entry.events[index++];
                yield event;
                if (signal.aborted)
                    return;
            }
            if (entry.ended)
                return;
            await new Promise((resolve) => {
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
    notify(entry) {
        for (const wake of [...entry.wake])
            wake();
    }
}
