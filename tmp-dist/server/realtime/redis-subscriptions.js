/**
 * Channel listeners over one subscriber connection: SUBSCRIBE on the first listener of a channel,
 * UNSUBSCRIBE after the last, one dispatcher for all. Used by the event bus, the run log and the
 * control channel.
 */
export class RedisSubscriptions {
    subscriber;
    logger;
    channels = new Map();
    constructor(subscriber, logger) {
        this.subscriber = subscriber;
        this.logger = logger;
        subscriber.on('message', (channel, message) => {
            for (const listener of this.channels.get(channel) ?? []) {
                try {
                    listener(message);
                }
                catch (err) {
                    this.logger.error({ err, channel }, 'redis message handler failed');
                }
            }
        });
    }
    /** Resolves once Redis confirmed the subscription, so nothing published after it is missed. */
    async add(channel, listener) {
        let listeners = this.channels.get(channel);
        if (!listeners) {
            listeners = new Set();
            this.channels.set(channel, listeners);
            listeners.add(listener);
            await this.subscriber.subscribe(channel);
        }
        else {
            listeners.add(listener);
        }
        return () => {
            const current = this.channels.get(channel);
            if (!current)
                return;
            current.delete(listener);
            if (current.size === 0) {
                this.channels.delete(channel);
                this.subscriber.unsubscribe(channel).catch(() => undefined);
            }
        };
    }
}
