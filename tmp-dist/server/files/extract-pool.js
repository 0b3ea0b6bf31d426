import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
/**
 * Where the worker's code is. Built (`dist/`), it is the .js file next to this one. Run from the
 * sources (Vitest, tsx), it is a .ts file that Node cannot load by itself, and on Node 20 a
 * worker does not take a loader from `execArgv`: the worker starts from a two-line bootstrap
 * that registers tsx in its own thread, then imports the .ts file.
 */
function spawnWorker(resourceLimits) {
    const here = import.meta.url;
    if (!here.endsWith('.ts')) {
        return new Worker(new URL('./extract-worker.js', here), { resourceLimits });
    }
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./extract-worker.ts', here).href;
    const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(bootstrap, { eval: true, resourceLimits });
}
export class ExtractPool {
    slots = new Set();
    queue = [];
    nextId = 1;
    killed = 0;
    closed = false;
    maxWorkers;
    maxQueue;
    maxMemoryMb;
    idleMs;
    constructor(options = {}) {
        this.maxWorkers = options.maxWorkers ?? 2;
        this.maxQueue = options.maxQueue ?? 20;
        this.maxMemoryMb = options.maxMemoryMb ?? 256;
        this.idleMs = options.idleMs ?? 60_000;
    }
    /** Run a job, or throw a 503 at once when the queue is full. */
    run(job) {
        if (this.closed)
            return Promise.reject(new Error('The document reader pool is closed.'));
        const running = [...this.slots].filter((slot) => slot.running).length;
        if (running >= this.maxWorkers && this.queue.length >= this.maxQueue) {
            return Promise.reject(new AppError('unavailable', 'The server is busy reading other documents; try again in a few seconds.', { retryAfterSeconds: 5 }));
        }
        return new Promise((resolve, reject) => {
            this.queue.push({ job, resolve, reject });
            this.dispatch();
        });
    }
    /** For tests and metrics: workers alive, jobs running and waiting, workers killed so far. */
    stats() {
        const running = [...this.slots].filter((slot) => slot.running).length;
        return { workers: this.slots.size, running, queued: this.queue.length, killed: this.killed };
    }
    /** End every worker; running and waiting jobs fail. */
    async close() {
        this.closed = true;
        const gone = new Error('The document reader pool was closed.');
        for (const pending of this.queue.splice(0))
            pending.reject(gone);
        await Promise.all([...this.slots].map((slot) => {
            slot.running?.pending.reject(gone);
            return this.retire(slot);
        }));
    }
    dispatch() {
        while (this.queue.length > 0) {
            const slot = this.idleSlot() ?? (this.slots.size < this.maxWorkers ? this.newSlot() : undefined);
            if (!slot)
                return;
            this.start(slot, this.queue.shift());
        }
    }
    idleSlot() {
        for (const slot of this.slots)
            if (!slot.running)
                return slot;
        return undefined;
    }
    newSlot() {
        const worker = spawnWorker({ maxOldGenerationSizeMb: this.maxMemoryMb });
        const slot = { worker };
        this.slots.add(slot);
        worker.on('message', (reply) => this.finish(slot, reply));
        // ERR_WORKER_OUT_OF_MEMORY when the heap limit is hit; anything else is a fault of ours
        // (the worker catches every error a document can cause).
        worker.on('error', (error) => {
            const running = slot.running;
            this.slots.delete(slot);
            if (!running)
                return;
            clearTimeout(running.timer);
            slot.running = undefined;
            if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
                running.pending.resolve({ ok: false, reason: 'memory' });
            else
                running.pending.reject(error);
            this.dispatch();
        });
        worker.on('exit', () => {
            const running = slot.running;
            this.slots.delete(slot);
            if (running) {
                clearTimeout(running.timer);
                slot.running = undefined;
                running.pending.reject(new Error('The document reader stopped unexpectedly.'));
            }
            this.dispatch();
        });
        return slot;
    }
    start(slot, pending) {
        clearTimeout(slot.idleTimer);
        const id = this.nextId++;
        const { job } = pending;
        const timer = setTimeout(() => {
            if (slot.running?.id !== id)
                return;
            slot.running = undefined;
            this.killed++;
            pending.resolve({ ok: false, reason: 'timeout' });
            void this.retire(slot);
            this.dispatch();
        }, job.timeoutMs);
        slot.running = { id, pending, timer };
        // A running job keeps the process alive; an idle worker never does.
        slot.worker.ref();
        // A copy, handed over whole: the caller keeps its bytes, and nothing is cloned twice.
        const bytes = job.bytes.slice();
        const request = {
            id,
            kind: job.kind,
            bytes,
            maxChars: job.maxChars,
            maxExpandedBytes: job.maxExpandedBytes,
        };
        slot.worker.postMessage(request, [bytes.buffer]);
    }
    finish(slot, reply) {
        const running = slot.running;
        if (!running || running.id !== reply.id)
            return;
        clearTimeout(running.timer);
        slot.running = undefined;
        running.pending.resolve('text' in reply
            ? { ok: true, text: reply.text }
            : { ok: false, error: new AppError(reply.error.code, reply.error.message) });
        slot.worker.unref();
        slot.idleTimer = setTimeout(() => void this.retire(slot), this.idleMs);
        slot.idleTimer.unref();
        this.dispatch();
    }
    async retire(slot) {
        clearTimeout(slot.idleTimer);
        this.slots.delete(slot);
        await slot.worker.terminate();
    }
}
let shared;
/** The process's pool (2 workers, 20 waiting), made on first use. */
export function extractPool() {
    shared ??= new ExtractPool();
    return shared;
}
/** End the shared pool's workers (on shutdown); the next extraction starts a new pool. */
export async function closeExtractPool() {
    const pool = shared;
    shared = undefined;
    await pool?.close();
}
