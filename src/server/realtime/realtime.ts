import type { Logger } from 'pino';
import { type CounterStore, MemoryCounterStore } from '../auth/counters.js';
import { RedisCounterStore } from '../auth/redis-counters.js';
import type { Config } from '../config.js';
import { type ControlBus, LocalControlBus, RedisControlBus } from './control-bus.js';
import { type EventBus, MemoryEventBus } from './event-bus.js';
import type { RedisConnections } from './redis-client.js';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisRunLog } from './redis-run-log.js';
import { RedisSubscriptions } from './redis-subscriptions.js';
import { MemoryRunLog, type RunLog } from './run-log.js';

/**
 * Everything stateful that instances must share, chosen once from the settings: in memory for
 * one instance, on Redis (REDIS_URL) for many.
 */
export interface Realtime {
  runLog: RunLog;
  bus: EventBus;
  control: ControlBus;
  counters: CounterStore;
  /** The Redis connections, when REDIS_URL is set. */
  redis: RedisConnections | undefined;
  /** False while Redis is configured but unreachable: no new runs then. */
  healthy(): boolean;
  close(): Promise<void>;
}

export function memoryRealtime(streamCoalesceMs = 0): Realtime {
  return {
    runLog: new MemoryRunLog(undefined, streamCoalesceMs),
    bus: new MemoryEventBus(),
    control: new LocalControlBus(),
    counters: new MemoryCounterStore(),
    redis: undefined,
    healthy: () => true,
    close: async () => {},
  };
}

export async function createRealtime(
  config: Pick<Config, 'redisUrl' | 'redisKeyPrefix' | 'streamCoalesceMs'>,
  logger: Logger,
): Promise<Realtime> {
  if (!config.redisUrl) return memoryRealtime(config.streamCoalesceMs);
  // ioredis is loaded only when Redis is configured (start-up time and memory of a laptop install).
  const { connectRedis, waitForRedis } = await import('./redis-client.js');
  const redis = connectRedis(config.redisUrl, logger);
  try {
    await waitForRedis(redis, config.redisUrl);
  } catch (error) {
    await redis.close();
    throw error;
  }
  const subscriptions = new RedisSubscriptions(redis.subscriber, logger);
  const prefix = config.redisKeyPrefix;
  const runLog = new RedisRunLog(
    redis.command,
    subscriptions,
    prefix,
    logger,
    undefined,
    config.streamCoalesceMs,
  );
  return {
    runLog,
    bus: new RedisEventBus(redis.command, subscriptions, prefix, logger),
    control: new RedisControlBus(redis.command, subscriptions, prefix, logger),
    counters: new RedisCounterStore(redis.command, prefix),
    redis,
    healthy: () => redis.ready(),
    close: async () => {
      await runLog.flushed();
      await redis.close();
    },
  };
}
