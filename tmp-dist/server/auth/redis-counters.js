// Slots are a sorted set per key: member = holder, score = when the slot lapses (Redis's own clock,
// so instances' clocks need not agree). Each script drops lapsed members first, and keeps the key
// itself alive as long as its newest slot, so an abandoned key disappears.
const NOW_MS = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";
const KEEP_KEY = "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end";
/** KEYS: slots; ARGV: ttlMs, limit, holder. 1 when taken, 0 when all are taken. */
const TAKE_SLOT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
${KEEP_KEY}
return 1`;
/** KEYS: slots; ARGV: ttlMs, holders... (XX: a slot already lapsed and dropped is not revived). */
const RENEW_SLOTS = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
if redis.call('ZCARD', KEYS[1]) > 0 then ${KEEP_KEY} end
return 0`;
const SLOTS_IN_USE = `${NOW_MS}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;
/** Fixed-window counters shared by every instance: INCR, with the window's expiry set on first hit. */
export class RedisCounterStore {
    redis;
    prefix;
    constructor(redis, prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }
    key(key) {
        return `${this.prefix}:counter:${key}`;
    }
    async hit(key, windowMs, options = {}) {
        const full = this.key(key);
        const transaction = this.redis.multi().incr(full);
        if (options.sliding)
            transaction.pexpire(full, windowMs);
        else
            transaction.pexpire(full, windowMs, 'NX');
        const result = await transaction.pttl(full).exec();
        const count = Number(result?.[0]?.[1] ?? 0);
        const ttl = Number(result?.[2]?.[1] ?? windowMs);
        return { count, resetInMs: ttl > 0 ? ttl : windowMs };
    }
    async peek(key) {
        const full = this.key(key);
        const [count, ttl] = await Promise.all([this.redis.get(full), this.redis.pttl(full)]);
        return { count: Number(count ?? 0), resetInMs: Math.max(ttl, 0) };
    }
    async touch(key, windowMs) {
        await this.redis.pexpire(this.key(key), windowMs);
    }
    /** DECR only an existing key (never creates one without an expiry), and never below zero. */
    async release(key) {
        await this.redis.eval("if (tonumber(redis.call('GET', KEYS[1]) or '0') > 0) then redis.call('DECR', KEYS[1]) end", 1, this.key(key));
    }
    async reset(key) {
        await this.redis.del(this.key(key));
    }
    slotKey(key) {
        return `${this.prefix}:slots:${key}`;
    }
    async takeSlot(key, holder, limit, ttlMs) {
        return (await this.redis.eval(TAKE_SLOT, 1, this.slotKey(key), ttlMs, limit, holder)) === 1;
    }
    async renewSlots(key, holders, ttlMs) {
        if (holders.length === 0)
            return;
        await this.redis.eval(RENEW_SLOTS, 1, this.slotKey(key), ttlMs, ...holders);
    }
    async freeSlot(key, holder) {
        await this.redis.zrem(this.slotKey(key), holder);
    }
    async slotsInUse(key) {
        return Number(await this.redis.eval(SLOTS_IN_USE, 1, this.slotKey(key)));
    }
}
