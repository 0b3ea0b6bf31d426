import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { addressBucket } from './address-bucket.js';
/** The signed cookie naming a browser's guest user (GUEST_ACCESS=on). */
export const GUEST_COOKIE = 'parley_guest';
/** Guests unused this long are deleted with their conversations; the cookie lives as long. */
export const GUEST_IDLE_DAYS = 30;
/** Tokens a guest may spend a day (input + output): enough to try Parley, not to run up a bill. */
export const GUEST_TOKEN_QUOTA_DAILY = 20_000;
/** New guests one address (an IPv6 /64) may create an hour. */
export const NEW_GUESTS_PER_ADDRESS_HOURLY = 20;
/** Guest rows alive at once; past it, new anonymous visitors are refused until idle ones are purged. */
export const MAX_GUESTS = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PURGE_BATCH = 500;
const PURGE_BATCHES_PER_TICK = 20;
/**
 * Anonymous callers of the seed routes when GUEST_ACCESS=on: each browser is its own guest user
 * (created on its first message), limited to GUEST_MODELS, a guest token quota and the request
 * rate limit keyed by guest. Guests are principals on the seed routes only.
 */
export class GuestService {
    deps;
    timer;
    purging = Promise.resolve();
    constructor(deps) {
        this.deps = deps;
    }
    get enabled() {
        return this.deps.config.guestAccess === 'on';
    }
    /** The model every guest message goes to: the first of GUEST_MODELS this server has. */
    model() {
        const model = this.deps.config.guestModels.find((id) => this.deps.models.has(id));
        if (!model) {
            throw new AppError('forbidden', 'Guests cannot chat on this server right now; sign in to continue.');
        }
        return model;
    }
    /** The guest named by a (verified) cookie, if it still exists and is not disabled. */
    async principal(userId) {
        const guest = await this.deps.store.repos.guests.findGuest(userId);
        if (!guest || guest.disabled)
            return undefined;
        // Recording every request would be a write each; hourly is precise enough for a 30-day purge.
        const at = new Date();
        if (at.getTime() - Date.parse(guest.lastSeenAt) > HOUR) {
            await this.deps.store.repos.guests.touchGuest(userId, at.toISOString());
        }
        return { userId, role: 'user', via: 'guest' };
    }
    /**
     * A new guest for an anonymous caller at `ip`, with its default conversation on the guest
     * model. Refused (429) past NEW_GUESTS_PER_ADDRESS_HOURLY for the address or MAX_GUESTS in all.
     */
    async create(ip) {
        const model = this.model();
        const { count, resetInMs } = await this.deps.counters.hit(`guest-new:${addressBucket(ip)}`, HOUR);
        if (count > NEW_GUESTS_PER_ADDRESS_HOURLY) {
            throw new AppError('rate_limited', 'Too many new guests from your address; keep your cookies or sign in, or try again later.', { retryAfterSeconds: Math.ceil(resetInMs / 1000) });
        }
        const userId = newId();
        const at = new Date().toISOString();
        const created = await this.deps.store.repos.guests.insertGuestUnderCap({
            user: {
                id: userId,
                // A colon cannot appear in a chosen username, so a guest never collides with an account.
                username: `guest:${userId}`,
                display_name: 'Guest',
                role: 'user',
                created_at: at,
                token_quota_daily: GUEST_TOKEN_QUOTA_DAILY,
            },
            conversation: {
                id: newId(),
                user_id: userId,
                title: 'Chat',
                model,
                system_prompt: null,
                is_default: 1,
                created_at: at,
                updated_at: at,
            },
            at,
            cap: MAX_GUESTS,
        });
        if (!created) {
            this.deps.logger.warn({ cap: MAX_GUESTS }, 'guest cap reached: new anonymous visitors are refused');
            throw new AppError('rate_limited', 'Too many guests right now; sign in or try again later.', {
                retryAfterSeconds: 3600,
            });
        }
        return { userId, role: 'user', via: 'guest' };
    }
    /** Delete guests idle for GUEST_IDLE_DAYS, in bounded batches. Returns how many went. */
    async purgeIdle(at = new Date()) {
        const before = new Date(at.getTime() - GUEST_IDLE_DAYS * DAY).toISOString();
        let total = 0;
        for (let batch = 0; batch < PURGE_BATCHES_PER_TICK; batch++) {
            const deleted = await this.deps.store.repos.guests.deleteIdleGuests(before, PURGE_BATCH);
            total += deleted;
            if (deleted < PURGE_BATCH)
                break;
        }
        if (total > 0)
            this.deps.logger.info({ guests: total }, 'purged idle guests');
        return total;
    }
    /** Purge now and then; the timer never keeps the process alive. */
    start(intervalMs = HOUR) {
        this.timer = setInterval(() => {
            this.purging = this.purgeIdle().catch((error) => this.deps.logger.warn({ err: error }, 'purging idle guests failed'));
        }, intervalMs);
        this.timer.unref();
    }
    async stop() {
        clearInterval(this.timer);
        await this.purging;
    }
}
