/** One instance: a command is simply handled here. */
export class LocalControlBus {
    handler;
    async send(command) {
        this.handler?.(command);
    }
    async onCommand(handler) {
        this.handler = handler;
    }
}
export class RedisControlBus {
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
    async send(command) {
        await this.redis.publish(`${this.prefix}:control`, JSON.stringify(command));
    }
    async onCommand(handler) {
        await this.subscriptions.add(`${this.prefix}:control`, (message) => {
            try {
                handler(JSON.parse(message));
            }
            catch (err) {
                this.logger.error({ err }, 'bad control command');
            }
        });
    }
}
