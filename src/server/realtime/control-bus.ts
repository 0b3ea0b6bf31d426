import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RevokedIdentity } from '../auth/account-service.js';
import type { RedisSubscriptions } from './redis-subscriptions.js';

/**
 * Commands that must reach every instance: `stop` a conversation's runs wherever they run;
 * `revoke` ends a revoked identity's open streams (and maybe runs) there. `from` is the sending
 * instance, which has already acted on its own revocation.
 */
export type ControlCommand =
  | { type: 'stop'; userId: string; conversationId: string }
  | { type: 'revoke'; from: string; revoked: RevokedIdentity };

export interface ControlBus {
  /** Send to every instance (including this one). */
  send(command: ControlCommand): Promise<void>;
  onCommand(handler: (command: ControlCommand) => void): Promise<void>;
}

/** One instance: a command is simply handled here. */
export class LocalControlBus implements ControlBus {
  private handler: ((command: ControlCommand) => void) | undefined;

  async send(command: ControlCommand): Promise<void> {
    this.handler?.(command);
  }

  async onCommand(handler: (command: ControlCommand) => void): Promise<void> {
    this.handler = handler;
  }
}

export class RedisControlBus implements ControlBus {
  constructor(
    private readonly redis: Redis,
    private readonly subscriptions: RedisSubscriptions,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async send(command: ControlCommand): Promise<void> {
    await this.redis.publish(`${this.prefix}:control`, JSON.stringify(command));
  }

  async onCommand(handler: (command: ControlCommand) => void): Promise<void> {
    await this.subscriptions.add(`${this.prefix}:control`, (message) => {
      try {
        handler(JSON.parse(message) as ControlCommand);
      } catch (err) {
        this.logger.error({ err }, 'bad control command');
      }
    });
  }
}
