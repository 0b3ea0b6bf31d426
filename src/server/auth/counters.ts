/**
 * Fixed-window counters for limits (runs per minute, failed logins) and bounded slots (runs at
 * once). In memory for one instance;
 * a Redis implementation sits behind the same interface for scale-out.
 */
export interface CounterStore {
  /**
   * Count one event under `key`; returns the count in the current window and ms until it resets.
   * `sliding`: every hit pushes the window's end to `windowMs` from now (a lockout that lasts
   * from the last attempt, however slowly the attempts came).
   */
  hit(
    key: string,
    windowMs: number,
    options?: { sliding?: boolean },
  ): Promise<{ count: number; resetInMs: number }>;
  peek(key: string): Promise<{ count: number; resetInMs: number }>;
  /** Let a live window end `windowMs` from now (no-op when there is none). */
  touch(key: string, windowMs: number): Promise<void>;
  /** Give back one hit of the current window (a reserved attempt that turned out fine). */
  release(key: string): Promise<void>;
  reset(key: string): Promise<void>;

  /**
   * Slots (replies being written at once): take one of at most `limit` under `key` for `holder`,
   * atomically, so parallel callers on any number of instances never exceed the bound. A slot
   * lapses `ttlMs` after it was taken or last renewed, so a dead instance's slots come back.
   * Returns false when all are taken.
   */
  takeSlot(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Keep the holders' slots (those still held) for another `ttlMs`. */
  renewSlots(key: string, holders: string[], ttlMs: number): Promise<void>;
  freeSlot(key: string, holder: string): Promise<void>;
  /** Slots held now (not lapsed). */
  slotsInUse(key: string): Promise<number>;
}

export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  /** key → holder → when the slot lapses. */
  private readonly slots = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {
    // Forget finished windows now and then so the map does not grow without bound.
    setInterval(() => this.sweep(), 60_000).unref();
  }

  async hit(key: string, windowMs: number, options: { sliding?: boolean } = {}) {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (options.sliding) window.resetAt = now + windowMs;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async peek(key: string) {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { count: 0, resetInMs: 0 };
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async touch(key: string, windowMs: number) {
    const window = this.windows.get(key);
    if (window && window.resetAt > this.now()) window.resetAt = this.now() + windowMs;
  }

  async release(key: string) {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count -= 1;
  }

  async reset(key: string) {
    this.windows.delete(key);
  }

  async takeSlot(key: string, holder: string, limit: number, ttlMs: number) {
    const held = this.liveSlots(key);
    if (held.size >= limit) return false;
    held.set(holder, this.now() + ttlMs);
    this.slots.set(key, held);
    return true;
  }

  async renewSlots(key: string, holders: string[], ttlMs: number) {
    const held = this.liveSlots(key);
    for (const holder of holders) if (held.has(holder)) held.set(holder, this.now() + ttlMs);
  }

  async freeSlot(key: string, holder: string) {
    const held = this.slots.get(key);
    held?.delete(holder);
    if (held?.size === 0) this.slots.delete(key);
  }

  async slotsInUse(key: string) {
    return this.liveSlots(key).size;
  }

  /** The key's slots with the lapsed ones dropped. */
  private liveSlots(key: string): Map<string, number> {
    const held = this.slots.get(key) ?? new Map<string, number>();
    const now = this.now();
    for (const [holder, until] of held) if (until <= now) held.delete(holder);
    return held;
  }

  private sweep() {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    for (const key of this.slots.keys()) if (this.liveSlots(key).size === 0) this.slots.delete(key);
  }
}
