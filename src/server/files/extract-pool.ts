import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type { ExtractReady, ExtractReply, ExtractRequest } from './extract-worker.js';

/**
 * A few worker threads that read documents (extract-worker.ts), so a hostile PDF never runs on
 * the event loop. Each job has a hard deadline: past it, its worker is terminated (the only way
 * to stop pdf.js inside one step) and a fresh one takes the next job. Each worker has a heap
 * limit, so a memory bomb kills that worker, not the server. At most `maxWorkers` jobs run and
 * `maxQueue` wait; beyond that a job is refused at once with a 503 rather than queued without end.
 */

export type ExtractOutcome =
  | { ok: true; text: string }
  | { ok: false; error: AppError }
  /** Past the deadline (the worker was terminated) or out of memory (the worker died). */
  | { ok: false; reason: 'timeout' | 'memory' };

export interface ExtractPoolOptions {
  /** Jobs running at once (one worker each). */
  maxWorkers?: number;
  /** Jobs waiting for a worker; one more is refused. */
  maxQueue?: number;
  /** The old-generation heap of each worker. */
  maxMemoryMb?: number;
  /** An idle worker is ended after this long (it holds pdf.js and its caches). */
  idleMs?: number;
}

export interface ExtractJob {
  kind: ExtractRequest['kind'];
  bytes: Uint8Array;
  timeoutMs: number;
  maxChars: number;
  maxExpandedBytes: number;
}

interface Pending {
  job: ExtractJob;
  resolve: (outcome: ExtractOutcome) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its readers; until then a job's deadline has not started. */
  ready: boolean;
  running?: { id: number; pending: Pending; timer?: NodeJS.Timeout };
  idleTimer?: NodeJS.Timeout;
}

/** A worker that has not loaded its readers by then is stuck: its job fails as timed out. */
const WORKER_START_DEADLINE_MS = 120_000;

/**
 * Where the worker's code is. Built (`dist/`), it is the .js file next to this one. Run from the
 * sources (Vitest, tsx), it is a .ts file that Node cannot load by itself, and on Node 20 a
 * worker does not take a loader from `execArgv`: the worker starts from a two-line bootstrap
 * that registers tsx in its own thread, then imports the .ts file.
 */
function spawnWorker(resourceLimits: { maxOldGenerationSizeMb: number }): Worker {
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
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private killed = 0;
  private closed = false;
  private readonly maxWorkers: number;
  private readonly maxQueue: number;
  private readonly maxMemoryMb: number;
  private readonly idleMs: number;

  constructor(options: ExtractPoolOptions = {}) {
    this.maxWorkers = options.maxWorkers ?? 2;
    this.maxQueue = options.maxQueue ?? 20;
    this.maxMemoryMb = options.maxMemoryMb ?? 256;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** Run a job, or throw a 503 at once when the queue is full. */
  run(job: ExtractJob): Promise<ExtractOutcome> {
    if (this.closed) return Promise.reject(new Error('The document reader pool is closed.'));
    const running = [...this.slots].filter((slot) => slot.running).length;
    if (running >= this.maxWorkers && this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new AppError(
          'unavailable',
          'The server is busy reading other documents; try again in a few seconds.',
          { retryAfterSeconds: 5 },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** For tests and metrics: workers alive, jobs running and waiting, workers killed so far. */
  stats(): { workers: number; running: number; queued: number; killed: number } {
    const running = [...this.slots].filter((slot) => slot.running).length;
    return { workers: this.slots.size, running, queued: this.queue.length, killed: this.killed };
  }

  /** End every worker; running and waiting jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    const gone = new Error('The document reader pool was closed.');
    for (const pending of this.queue.splice(0)) pending.reject(gone);
    await Promise.all(
      [...this.slots].map((slot) => {
        slot.running?.pending.reject(gone);
        return this.retire(slot);
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot() ?? (this.slots.size < this.maxWorkers ? this.newSlot() : undefined);
      if (!slot) return;
      this.start(slot, this.queue.shift() as Pending);
    }
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.running) return slot;
    return undefined;
  }

  private newSlot(): Slot {
    const worker = spawnWorker({ maxOldGenerationSizeMb: this.maxMemoryMb });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (message: ExtractReply | ExtractReady) => {
      if ('ready' in message) this.ready(slot);
      else this.finish(slot, message);
    });
    // ERR_WORKER_OUT_OF_MEMORY when the heap limit is hit; anything else is a fault of ours
    // (the worker catches every error a document can cause).
    worker.on('error', (error: Error & { code?: string }) => {
      const running = slot.running;
      this.slots.delete(slot);
      if (!running) return;
      clearTimeout(running.timer);
      slot.running = undefined;
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') running.pending.resolve({ ok: false, reason: 'memory' });
      else running.pending.reject(error);
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

  /** Past `ms`, the slot's job fails as timed out and its worker is terminated. */
  private deadline(slot: Slot, ms: number): NodeJS.Timeout {
    const running = slot.running;
    return setTimeout(() => {
      if (!running || slot.running !== running) return;
      slot.running = undefined;
      this.killed++;
      running.pending.resolve({ ok: false, reason: 'timeout' });
      void this.retire(slot);
      this.dispatch();
    }, ms);
  }

  private ready(slot: Slot): void {
    slot.ready = true;
    const running = slot.running;
    if (!running) return;
    // The job's own deadline starts now that the worker reads it.
    clearTimeout(running.timer);
    running.timer = this.deadline(slot, running.pending.job.timeoutMs);
  }

  private start(slot: Slot, pending: Pending): void {
    clearTimeout(slot.idleTimer);
    const id = this.nextId++;
    const { job } = pending;
    slot.running = { id, pending };
    slot.running.timer = this.deadline(slot, slot.ready ? job.timeoutMs : WORKER_START_DEADLINE_MS);
    // A running job keeps the process alive; an idle worker never does.
    slot.worker.ref();
    // A copy in its own ArrayBuffer, handed over whole: the caller keeps its bytes, and nothing is
    // cloned twice. Not `.slice()`: on a Buffer that is a view of the same memory (often Node's
    // shared pool, which Node 22+ refuses to transfer, and which must never be detached).
    const bytes = new Uint8Array(job.bytes);
    const request: ExtractRequest = {
      id,
      kind: job.kind,
      bytes,
      maxChars: job.maxChars,
      maxExpandedBytes: job.maxExpandedBytes,
    };
    slot.worker.postMessage(request, [bytes.buffer]);
  }

  private finish(slot: Slot, reply: ExtractReply): void {
    const running = slot.running;
    if (!running || running.id !== reply.id) return;
    clearTimeout(running.timer);
    slot.running = undefined;
    running.pending.resolve(
      'text' in reply
        ? { ok: true, text: reply.text }
        : { ok: false, error: new AppError(reply.error.code, reply.error.message) },
    );
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => void this.retire(slot), this.idleMs);
    slot.idleTimer.unref();
    this.dispatch();
  }

  private async retire(slot: Slot): Promise<void> {
    clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    await slot.worker.terminate();
  }
}

let shared: ExtractPool | undefined;

/** The process's pool (2 workers, 20 waiting), made on first use. */
export function extractPool(): ExtractPool {
  shared ??= new ExtractPool();
  return shared;
}

/** End the shared pool's workers (on shutdown); the next extraction starts a new pool. */
export async function closeExtractPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
