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

  async hit(key: string, windowMs: number, options: { sliding?: boolean } = {}) {
    const full = this.key(key);
    const transaction = this.redis.multi().incr(full);
    if (options.sliding) transaction.pexpire(full, windowMs);
    else transaction.pexpire(full, windowMs, 'NX');
    const result = await transaction.pttl(full).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[2]?.[1] ?? windowMs);
    return { count, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  async peek(key: string) {
    const full = this.key(key);
    const [count, ttl] = await Promise.all([this.redis.get(full), this.redis.pttl(full)]);
    return { count: Number(count ?? 0), resetInMs: Math.max(ttl, 0) };
  }

  async touch(key: string, windowMs: number) {
    await this.redis.pexpire(this.key(key), windowMs);
  }

  /** DECR only an existing key (never creates one without an expiry), and never below zero. */
  async release(key: string) {
    await this.redis.eval(
      "if (tonumber(redis.call('GET', KEYS[1]) or '0') > 0) then redis.call('DECR', KEYS[1]) end",
      1,
      this.key(key),
    );
  }

  async reset(key: string) {
    await this.redis.del(this.key(key));
  }
}
