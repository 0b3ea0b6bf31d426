export class MemoryCounterStore {
    now;
    windows = new Map();
    /** key → holder → when the slot lapses. */
    slots = new Map();
    constructor(now = Date.now) {
        this.now = now;
        // Forget finished windows now and then so the map does not grow without bound.
        setInterval(() => this.sweep(), 60_000).unref();
    }
    async hit(key, windowMs, options = {}) {
        const now = this.now();
        let window = this.windows.get(key);
        if (!window || window.resetAt <= now) {
            window = { count: 0, resetAt: now + windowMs };
            this.windows.set(key, window);
        }
        window.count += 1;
        if (options.sliding)
            window.resetAt = now + windowMs;
        return { count: window.count, resetInMs: window.resetAt - now };
    }
    async peek(key) {
        const now = this.now();
        const window = this.windows.get(key);
        if (!window || window.resetAt <= now)
            return { count: 0, resetInMs: 0 };
        return { count: window.count, resetInMs: window.resetAt - now };
    }
    async touch(key, windowMs) {
        const window = this.windows.get(key);
        if (window && window.resetAt > this.now())
            window.resetAt = this.now() + windowMs;
    }
    async release(key) {
        const window = this.windows.get(key);
        if (window && window.count > 0)
            window.count -= 1;
    }
    async reset(key) {
        this.windows.delete(key);
    }
    async takeSlot(key, holder, limit, ttlMs) {
        const held = this.liveSlots(key);
        if (held.size >= limit)
            return false;
        held.set(holder, this.now() + ttlMs);
        this.slots.set(key, held);
        return true;
    }
    async renewSlots(key, holders, ttlMs) {
        const held = this.liveSlots(key);
        for (const holder of holders)
            if (held.has(holder))
                held.set(holder, this.now() + ttlMs);
    }
    async freeSlot(key, holder) {
        const held = this.slots.get(key);
        held?.delete(holder);
        if (held?.size === 0)
            this.slots.delete(key);
    }
    async slotsInUse(key) {
        return this.liveSlots(key).size;
    }
    /** The key's slots with the lapsed ones dropped. */
    liveSlots(key) {
        const held = this.slots.get(key) ?? new Map();
        const now = this.now();
        for (const [holder, until] of held)
            if (until <= now)
                held.delete(holder);
        return held;
    }
    sweep() {
        const now = this.now();
        for (const [key, window] of this.windows)
            if (window.resetAt <= now)
                this.windows.delete(key);
        for (const key of this.slots.keys())
            if (this.liveSlots(key).size === 0)
                this.slots.delete(key);
    }
}
