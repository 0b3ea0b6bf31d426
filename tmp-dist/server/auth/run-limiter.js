import { AppError } from '../errors.js';
import { newId } from '../ids.js';
const MINUTE = 60_000;
const SLOT_WAIT_MS = 120_000;
/** A held slot lapses this long after its instance stopped renewing it (died). */
const SLOT_TTL_MS = 60_000;
const SLOT_POLL_MS = 250;
const slotKey = (userId) => `running:${userId}`;
function secondsUntilNextUtcDay(at) {
    const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
    return (next - at.getTime()) / 1000;
}
function secondsUntilNextUtcMonth(at) {
    const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
    return (next - at.getTime()) / 1000;
}
/**
 * What a user may start: new runs per minute (MESSAGE_LIMIT_RPM), runs at once
 * (MAX_CONCURRENT_RUNS) and tokens per day/month (quotas). Checked before anything is written,
 * so a refused run leaves nothing half-done.
 *
 * Runs at once are slots in the counter store (memory, or Redis shared by every instance), so the
 * bound holds across instances. This instance renews the slots it holds while their runs go on;
 * if it dies, they lapse after `slotTtlMs` and the user can start replies again.
 */
export class RunLimiter {
    deps;
    /** Slots this instance holds: holder id → user. */
    held = new Map();
    waiting = new Map();
    renewTimer;
    constructor(deps) {
        this.deps = deps;
    }
    get slotTtlMs() {
        return this.deps.slotTtlMs ?? SLOT_TTL_MS;
    }
    /** Runs of the user admitted by this instance and still going (all instances: `slotsInUse`). */
    activeRuns(userId) {
        let count = 0;
        for (const holder of this.held.values())
            if (holder === userId)
                count += 1;
        return count;
    }
    /** Runs of the user going on any instance. */
    slotsInUse(userId) {
        return this.deps.counters.slotsInUse(slotKey(userId));
    }
    /**
     * Admit one run for the user, or throw a 429. `waitForSlot` (the synchronous seed route) queues
     * for a free slot instead of refusing. Returns the function that frees the slot: the caller
     * must call it on every path, success or failure (calling it twice is harmless).
     */
    async admit(userId, options = {}) {
        const { config, counters } = this.deps;
        await this.checkQuota(userId);
        const { count, resetInMs } = await counters.hit(`runs:${userId}`, this.deps.windowMs ?? MINUTE);
        if (count > config.messageLimitRpm) {
            throw new AppError('rate_limited', `You can start ${config.messageLimitRpm} replies a minute; wait a moment and try again.`, { retryAfterSeconds: resetInMs / 1000 });
        }
        const holder = newId();
        if (!(await this.takeSlot(userId, holder))) {
            if (!options.waitForSlot) {
                throw new AppError('too_many_runs', `You already have ${config.maxConcurrentRuns} replies being written; wait for one to finish or stop one.`, { retryAfterSeconds: 1 });
            }
            await this.waitForSlot(userId, holder);
        }
        return () => {
            if (!this.held.delete(holder))
                return;
            if (this.held.size === 0)
                this.stopRenewing();
            // Not renewed any more: if the store cannot be reached now, the slot lapses by itself.
            void counters
                .freeSlot(slotKey(userId), holder)
                .catch(() => { })
                .then(() => this.waiting.get(userId)?.shift()?.());
        };
    }
    /** Take a slot in the shared store (atomic there: parallel requests on any instance). */
    async takeSlot(userId, holder) {
        const taken = await this.deps.counters.takeSlot(slotKey(userId), holder, this.deps.config.maxConcurrentRuns, this.slotTtlMs);
        if (taken) {
            this.held.set(holder, userId);
            this.startRenewing();
        }
        return taken;
    }
    /**
     * Queue until a slot is free: woken at once by a release here, and looking again now and then
     * for one freed on another instance (or lapsed).
     */
    async waitForSlot(userId, holder) {
        const deadline = Date.now() + SLOT_WAIT_MS;
        while (!(await this.takeSlot(userId, holder))) {
            if (Date.now() >= deadline) {
                throw new AppError('too_many_runs', 'Your other replies are taking too long; try again later.', {
                    retryAfterSeconds: 5,
                });
            }
            await new Promise((resolve) => {
                const queue = this.waiting.get(userId) ?? [];
                this.waiting.set(userId, queue);
                const wake = () => {
                    clearTimeout(timer);
                    const at = queue.indexOf(wake);
                    if (at >= 0)
                        queue.splice(at, 1);
                    if (queue.length === 0 && this.waiting.get(userId) === queue)
                        this.waiting.delete(userId);
                    resolve();
                };
                const timer = setTimeout(wake, Math.min(this.deps.slotPollMs ?? SLOT_POLL_MS, deadline - Date.now()));
                queue.push(wake);
            });
        }
    }
    startRenewing() {
        this.renewTimer ??= setInterval(() => void this.renew(), this.slotTtlMs / 3);
        this.renewTimer.unref();
    }
    stopRenewing() {
        clearInterval(this.renewTimer);
        this.renewTimer = undefined;
    }
    /** Keep the slots of runs still going on this instance. */
    async renew() {
        const byUser = new Map();
        for (const [holder, userId] of this.held)
            byUser.set(userId, [...(byUser.get(userId) ?? []), holder]);
        for (const [userId, holders] of byUser) {
            // A failed renewal is retried at the next tick, well before the slots lapse.
            await this.deps.counters.renewSlots(slotKey(userId), holders, this.slotTtlMs).catch(() => { });
        }
    }
    async checkQuota(userId) {
        const { config, store } = this.deps;
        const user = await store.repos.users.findUser(userId);
        const daily = user?.token_quota_daily ?? config.tokenQuotaDaily;
        const monthly = user?.token_quota_monthly ?? config.tokenQuotaMonthly;
        if (!daily && !monthly)
            return;
        const at = new Date();
        const used = await store.repos.usage.tokenUsage(userId, at);
        if (daily && used.day >= daily) {
            throw new AppError('quota_exceeded', `You have used your ${daily} tokens for today; the quota resets at 00:00 UTC.`, {
                retryAfterSeconds: secondsUntilNextUtcDay(at),
            });
        }
        if (monthly && used.month >= monthly) {
            throw new AppError('quota_exceeded', `You have used your ${monthly} tokens for this month; the quota resets on the 1st (UTC).`, { retryAfterSeconds: secondsUntilNextUtcMonth(at) });
        }
    }
}
