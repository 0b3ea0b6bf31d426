import { Redis } from 'ioredis';
export function connectRedis(url, logger) {
    const options = {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        // Reconnect quickly at first, then every 2 s, forever: Redis coming back needs no restart.
        retryStrategy: (times) => Math.min(times * 200, 2_000),
        lazyConnect: false,
    };
    const command = new Redis(url, options);
    // The subscriber keeps its subscriptions in an offline queue while reconnecting.
    const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    let wasReady = false;
    for (const [name, connection] of [
        ['command', command],
        ['subscriber', subscriber],
    ]) {
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
export async function waitForRedis(connections, url, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!connections.ready()) {
        if (Date.now() > deadline) {
            const shown = url.replace(/\/\/[^@]*@/, '//***@');
            throw new Error(`Cannot reach Redis at ${shown} (REDIS_URL); start it or fix the setting.`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
