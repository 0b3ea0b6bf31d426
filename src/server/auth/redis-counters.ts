import type { Redis } from 'ioredis';
import type { CounterStore } from './counters.js';

/** Fixed-window counters shared by every instance: INCR, with the window's expiry set on first hit. */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(key: string): string {
    return `${this.prefix}:counter:${key}`;
  }

  async hit(key: string, windowMs: number) {
    const full = this.key(key);
    const result = await this.redis.multi().incr(full).pexpire(full, windowMs, 'NX').pttl(full).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[2]?.[1] ?? windowMs);
    return { count, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  async peek(key: string) {
    const full = this.key(key);
    const [count, ttl] = await Promise.all([this.redis.get(full), this.redis.pttl(full)]);
    return { count: Number(count ?? 0), resetInMs: Math.max(ttl, 0) };
  }

  async reset(key: string) {
    await this.redis.del(this.key(key));
  }
}
