import { AppError } from '../errors.js';
import { HashQueue } from './hash-queue.js';
import { LoginThrottle } from './login-throttle.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
export function userDto(row) {
    return {
        id: row.id,
        username: row.username,
        displayName: row.display_name,
        role: row.role,
        disabled: row.disabled === 1,
        pending: row.pending === 1,
        createdAt: row.created_at,
        tokenQuotaDaily: row.token_quota_daily,
        tokenQuotaMonthly: row.token_quota_monthly,
    };
}
const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
export const now = () => new Date().toISOString();
/** What every account job shares: the store, settings, hashing, throttle, audit log and revocation. */
export class AccountContext {
    deps;
    throttle;
    /** Every password hash and verification goes through it. */
    hashes;
    constructor(deps) {
        this.deps = deps;
        const windowMs = deps.loginWindowMs ?? FAILED_LOGIN_WINDOW_MS;
        this.throttle = new LoginThrottle(deps.counters, {
            addressWindowMs: windowMs,
            firstLockMs: Math.min(windowMs, 60_000),
        });
        this.hashes = deps.hashQueue ?? new HashQueue();
    }
    get repos() {
        return this.deps.store.repos;
    }
    transaction(fn) {
        return this.deps.store.transaction(fn);
    }
    get config() {
        return this.deps.config;
    }
    get logger() {
        return this.deps.logger;
    }
    /** Hash and verify through the bounded queue (503 + Retry-After when it is full). */
    hash(password) {
        return this.hashes.run(() => hashPassword(password));
    }
    verify(password, stored) {
        // Verify against a decoy when there is no hash, so timing does not reveal usernames.
        return this.hashes.run(async () => verifyPassword(password, stored ?? (await decoyHash())));
    }
    audit(event, fields) {
        this.deps.logger.info({ audit: event, ...fields }, `audit: ${event}`);
    }
    async revoked(revoked) {
        await this.deps.onRevoked?.(revoked);
    }
    requireAccounts() {
        if (this.deps.config.authMode === 'none') {
            throw new AppError('auth_disabled', 'Accounts are turned off on this server (AUTH_MODE=none).');
        }
    }
}
