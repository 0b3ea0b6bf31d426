/** User events over Redis pub/sub: a tab connected to any instance sees what happened on any other. */
export class RedisEventBus {
    redis;
    subscriptions;
    prefix;
    logger;
    constructor(redis, subscriptions, prefix, logger) {
        this.redis = redis;
        this.subscriptions = subscriptions;
        this.prefix = prefix;
        this.logger = logger;
    }
    channel(userId) {
        return `${this.prefix}:user:${userId}`;
    }
    publish(userId, event) {
        this.redis.publish(this.channel(userId), JSON.stringify(event)).catch((err) => {
            this.logger.warn({ err: { message: err.message }, type: event.type }, 'could not publish a user event');
        });
    }
    subscribe(userId, listener) {
        let unsubscribe;
        let cancelled = false;
        this.subscriptions
            .add(this.channel(userId), (message) => listener(JSON.parse(message)))
            .then((remove) => {
            if (cancelled)
                remove();
            else
                unsubscribe = remove;
        })
            .catch((err) => this.logger.warn({ err: { message: err.message } }, 'could not subscribe to user events'));
        return () => {
            cancelled = true;
            unsubscribe?.();
        };
    }
}
