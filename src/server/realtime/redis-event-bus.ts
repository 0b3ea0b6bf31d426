import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { UserEvent } from '../../shared/user-events.js';
import type { EventBus, UserEventListener } from './event-bus.js';
import type { RedisSubscriptions } from './redis-subscriptions.js';

/** User events over Redis pub/sub: a tab connected to any instance sees what happened on any other. */
export class RedisEventBus implements EventBus {
  constructor(
    private readonly redis: Redis,
    private readonly subscriptions: RedisSubscriptions,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  private channel(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }

  publish(userId: string, event: UserEvent): void {
    this.redis.publish(this.channel(userId), JSON.stringify(event)).catch((err) => {
      this.logger.warn({ err: { message: err.message }, type: event.type }, 'could not publish a user event');
    });
  }

  subscribe(userId: string, listener: UserEventListener): () => void {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    this.subscriptions
      .add(this.channel(userId), (message) => listener(JSON.parse(message) as UserEvent))
      .then((remove) => {
        if (cancelled) remove();
        else unsubscribe = remove;
      })
      .catch((err) =>
        this.logger.warn({ err: { message: err.message } }, 'could not subscribe to user events'),
      );
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }
}
