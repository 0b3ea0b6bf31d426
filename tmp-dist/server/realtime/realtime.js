import { MemoryCounterStore } from '../auth/counters.js';
import { RedisCounterStore } from '../auth/redis-counters.js';
import { LocalControlBus, RedisControlBus } from './control-bus.js';
import { MemoryEventBus } from './event-bus.js';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisRunLog } from './redis-run-log.js';
import { RedisSubscriptions } from './redis-subscriptions.js';
import { MemoryRunLog } from './run-log.js';
export function memoryRealtime() {
    return {
        runLog: new MemoryRunLog(),
        bus: new MemoryEventBus(),
        control: new LocalControlBus(),
        counters: new MemoryCounterStore(),
        redis: undefined,
        healthy: () => true,
        close: async () => { },
    };
}
export async function createRealtime(config, logger) {
    if (!config.redisUrl)
        return memoryRealtime();
    // ioredis is loaded only when Redis is configured (start-up time and memory of a laptop install).
    const { connectRedis, waitForRedis } = await import('./redis-client.js');
    const redis = connectRedis(config.redisUrl, logger);
    try {
        await waitForRedis(redis, config.redisUrl);
    }
    catch (error) {
        await redis.close();
        throw error;
    }
    const subscriptions = new RedisSubscriptions(redis.subscriber, logger);
    const prefix = config.redisKeyPrefix;
    return {
        runLog: new RedisRunLog(redis.command, subscriptions, prefix, logger),
        bus: new RedisEventBus(redis.command, subscriptions, prefix, logger),
        control: new RedisControlBus(redis.command, subscriptions, prefix, logger),
        counters: new RedisCounterStore(redis.command, prefix),
        redis,
        healthy: () => redis.ready(),
        close: () => redis.close(),
    };
}
