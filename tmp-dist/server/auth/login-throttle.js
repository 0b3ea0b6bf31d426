import { AppError } from '../errors.js';
/** Password guesses allowed per account and address before a lockout. */
export const LOGIN_ATTEMPTS_PER_ACCOUNT = 5;
/** Guesses allowed per address across all accounts in one window. */
export const LOGIN_ATTEMPTS_PER_ADDRESS = 20;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;
const STRIKES_MEMORY_MS = 24 * 60 * 60_000;
/**
 * Throttles password checks (sign-in, password change). Each attempt is counted *before* the
 * password is verified, with one atomic increment that returns the new count (memory or Redis):
 * a burst of parallel guesses cannot all pass a check made before any of them is counted.
 *
 * Counting is per account *and* address, so a stranger guessing from elsewhere locks only
 * themselves out, never the owner; each lockout lasts twice the last (1 min, 2, 4 … 1 h), and an
 * address has a cap across all accounts, so spraying many accounts from one address is bounded
 * too. A correct password clears its account+address count and gives back its address hit.
 */
export class LoginThrottle {
    counters;
    addressWindowMs;
    firstLockMs;
    constructor(counters, options = {}) {
        this.counters = counters;
        this.addressWindowMs = options.addressWindowMs ?? 15 * 60_000;
        this.firstLockMs = options.firstLockMs ?? FIRST_LOCK_MS;
    }
    keys(scope, account, address) {
        return {
            attempts: `${scope}:attempts:${account}:${address}`,
            strikes: `${scope}:strikes:${account}:${address}`,
            address: `${scope}:address:${address}`,
        };
    }
    /**
     * Reserve one attempt; throws 429 (with Retry-After) when the account+address or the address
     * is over its limit. Call before verifying, and `succeeded` after a correct password.
     */
    async reserve(scope, account, address) {
        const keys = this.keys(scope, account, address);
        const perAddress = await this.counters.hit(keys.address, this.addressWindowMs);
        if (perAddress.count > LOGIN_ATTEMPTS_PER_ADDRESS)
            throw tooMany(perAddress.resetInMs);
        const lockMs = await this.lockMs(keys.strikes);
        // Sliding: the lockout lasts `lockMs` from the latest attempt, however slow each check was.
        const attempts = await this.counters.hit(keys.attempts, lockMs, { sliding: true });
        if (attempts.count > LOGIN_ATTEMPTS_PER_ACCOUNT) {
            // The first refusal of this window starts a lockout: the next window is twice as long.
            if (attempts.count === LOGIN_ATTEMPTS_PER_ACCOUNT + 1)
                await this.counters.hit(keys.strikes, STRIKES_MEMORY_MS);
            throw tooMany(attempts.resetInMs);
        }
    }
    async lockMs(strikesKey) {
        const strikes = (await this.counters.peek(strikesKey)).count;
        return Math.min(this.firstLockMs * 2 ** strikes, MAX_LOCK_MS);
    }
    /** A wrong password: the count stays, and the window runs from now (checks can be slow). */
    async failed(scope, account, address) {
        const keys = this.keys(scope, account, address);
        await this.counters.touch(keys.attempts, await this.lockMs(keys.strikes));
    }
    async succeeded(scope, account, address) {
        const keys = this.keys(scope, account, address);
        // The address's reservation is given back too: only failures (and guesses in flight) count,
        // so many people signing in from one office address are not throttled.
        await Promise.all([
            this.counters.reset(keys.attempts),
            this.counters.reset(keys.strikes),
            this.counters.release(keys.address),
        ]);
    }
}
function tooMany(resetInMs) {
    return new AppError('rate_limited', 'Too many sign-in attempts. Wait a while and try again.', {
        retryAfterSeconds: Math.max(1, resetInMs / 1000),
    });
}
