import { AppError } from '../errors.js';
/**
 * Password hashing is deliberately slow and runs on libuv's small thread pool (4 threads, shared
 * with file and DNS work). Unbounded, a burst of sign-ins or sign-ups would queue hashes there
 * for minutes and starve everything else. This queue runs at most `concurrency` hashes at once,
 * lets at most `maxWaiting` more wait their turn, and refuses the rest at once with 503 and
 * Retry-After: a client retries, the server stays responsive.
 */
export class HashQueue {
    concurrency;
    maxWaiting;
    running = 0;
    waiting = [];
    /** Hashes started since the start (a figure for tests and metrics). */
    started = 0;
    constructor(concurrency = 2, maxWaiting = 16) {
        this.concurrency = concurrency;
        this.maxWaiting = maxWaiting;
    }
    get size() {
        return { running: this.running, waiting: this.waiting.length };
    }
    async run(task) {
        if (this.running >= this.concurrency) {
            if (this.waiting.length >= this.maxWaiting) {
                throw new AppError('unavailable', 'The server is busy checking passwords; try again in a moment.', {
                    retryAfterSeconds: 2,
                });
            }
            // The slot is handed over by the finishing task, so `running` never overshoots.
            await new Promise((resolve) => this.waiting.push(resolve));
        }
        else {
            this.running += 1;
        }
        this.started += 1;
        try {
            return await task();
        }
        finally {
            const next = this.waiting.shift();
            if (next)
                next();
            else
                this.running -= 1;
        }
    }
}
