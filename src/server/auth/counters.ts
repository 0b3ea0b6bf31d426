/**
 * Fixed-window counters for limits (runs per minute, failed logins). In memory for one instance;
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
}

export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

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

  private sweep() {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
