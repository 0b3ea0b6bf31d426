import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Two connections per instance: one for commands, one in subscriber mode (a subscribed connection
 * can do nothing else). Commands fail at once while Redis is unreachable (no offline queue), so a
 * request gets a clear 503 instead of hanging; ioredis reconnects and resubscribes by itself.
 */
export interface RedisConnections {
  command: Redis;
  subscriber: Redis;
  /** Both connections are up. */
  ready(): boolean;
  close(): Promise<void>;
}

export function connectRedis(url: string, logger: Logger): RedisConnections {
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Reconnect quickly at first, then every 2 s, forever: Redis coming back needs no restart.
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
  const command = new Redis(url, options);
  // The subscriber keeps its subscriptions in an offline queue while reconnecting.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  let wasReady = false;
  for (const [name, connection] of [
    ['command', command],
    ['subscriber', subscriber],
  ] as const) {
    connection.on('error', (err) => {
      if (wasReady)
        logger.warn({ err: { message: err.message }, connection: name }, 'redis connection error');
    });
    connection.on('ready', () => {
      wasReady = true;
      logger.info({ connection: name }, 'redis connected');
    });
  }
  return {
    command,
    subscriber,
    ready: () => command.status === 'ready' && subscriber.status === 'ready',
    async close() {
      command.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Wait until both connections are up (startup), or throw a clear error after `timeoutMs`. */
export async function waitForRedis(
  connections: RedisConnections,
  url: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!connections.ready()) {
    if (Date.now() > deadline) {
      const shown = url.replace(/\/\/[^@]*@/, '//***@');
      throw new Error(`Cannot reach Redis at ${shown} (REDIS_URL); start it or fix the setting.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
