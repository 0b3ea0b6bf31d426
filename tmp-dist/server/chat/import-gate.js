import { AppError } from '../errors.js';
/**
 * Who may start an import now. An import holds its parsed file (up to 20 MiB of JSON, several
 * times that as objects) while it runs, so imports are admitted before the body is read:
 * - one per user at a time and IMPORTS_PER_MINUTE per user, on every instance (a claim in the
 *   database, storage-repo.ts);
 * - at most IMPORTS_AT_ONCE per instance across all users, which bounds the memory they hold.
 * Beyond either: 429 with Retry-After. Holding the user's claim is also what makes the storage
 * quota check in import.ts hold: no second import of theirs writes in between.
 */
/** Imports running at once on this instance. */
export const IMPORTS_AT_ONCE = 2;
/** Imports one user may start per minute (refused ones count: each costs a parse). */
export const IMPORTS_PER_MINUTE = 5;
const LIMITS = {
    // Longest a claim holds if its import never releases it (its instance died).
    claimMs: 10 * 60_000,
    windowMs: 60_000,
    perWindow: IMPORTS_PER_MINUTE,
    busyRetryMs: 5_000,
};
export class ImportGate {
    store;
    running = 0;
    constructor(store) {
        this.store = store;
    }
    /** Admit an import of `userId` or throw a 429 saying when to retry. */
    async admit(userId) {
        // Counted before the await below, so parallel requests cannot all pass the check.
        if (this.running >= IMPORTS_AT_ONCE) {
            throw new AppError('rate_limited', 'The server is busy with other imports; try again in a few seconds.', {
                retryAfterSeconds: 5,
            });
        }
        this.running++;
        let claim;
        try {
            claim = await this.store.repos.storage.claimImport(userId, new Date(), LIMITS);
        }
        catch (error) {
            this.running--;
            throw error;
        }
        if (!claim.claimed) {
            this.running--;
            const seconds = Math.ceil(claim.retryAfterMs / 1000);
            throw new AppError('rate_limited', `One import at a time and at most ${IMPORTS_PER_MINUTE} a minute: try again in ${seconds} s.`, { retryAfterSeconds: seconds });
        }
        const { until } = claim;
        let released = false;
        return {
            release: async () => {
                if (released)
                    return;
                released = true;
                this.running--;
                await this.store.repos.storage.releaseImport(userId, until);
            },
        };
    }
}
