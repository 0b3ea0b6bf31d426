import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/database.js';
import { tokenUsage } from '../store/usage-repo.js';
import { findUser } from '../store/users-repo.js';
import type { CounterStore } from './counters.js';

const MINUTE = 60_000;
const SLOT_WAIT_MS = 120_000;

function secondsUntilNextUtcDay(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
  return (next - at.getTime()) / 1000;
}

function secondsUntilNextUtcMonth(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return (next - at.getTime()) / 1000;
}

/**
 * What a user may start: new runs per minute (MESSAGE_LIMIT_RPM), runs at once
 * (MAX_CONCURRENT_RUNS) and tokens per day/month (quotas). Checked before anything is written,
 * so a refused run leaves nothing half-done.
 */
export class RunLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly deps: {
      store: Store;
      counters: CounterStore;
      config: Pick<Config, 'messageLimitRpm' | 'maxConcurrentRuns' | 'tokenQuotaDaily' | 'tokenQuotaMonthly'>;
      /** The message-limit window; a minute, shorter in tests. */
      windowMs?: number;
    },
  ) {}

  activeRuns(userId: string): number {
    return this.active.get(userId) ?? 0;
  }

  /**
   * Admit one run for the user, or throw a 429. `waitForSlot` (the synchronous seed route) queues
   * for a free slot instead of refusing. Returns the function that frees the slot.
   */
  async admit(userId: string, options: { waitForSlot?: boolean } = {}): Promise<() => void> {
    const { config, counters } = this.deps;
    await this.checkQuota(userId);
    const { count, resetInMs } = await counters.hit(`runs:${userId}`, this.deps.windowMs ?? MINUTE);
    if (count > config.messageLimitRpm) {
      throw new AppError(
        'rate_limited',
        `You can start ${config.messageLimitRpm} replies a minute; wait a moment and try again.`,
        { retryAfterSeconds: resetInMs / 1000 },
      );
    }
    if (this.activeRuns(userId) >= config.maxConcurrentRuns) {
      if (!options.waitForSlot) {
        throw new AppError(
          'too_many_runs',
          `You already have ${config.maxConcurrentRuns} replies being written; wait for one to finish or stop one.`,
          { retryAfterSeconds: 1 },
        );
      }
      await this.waitForSlot(userId);
    }
    // No await between the check above (or the wake-up) and this increment: the limit holds
    // under parallel requests.
    this.active.set(userId, this.activeRuns(userId) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.activeRuns(userId) - 1;
      if (left > 0) this.active.set(userId, left);
      else this.active.delete(userId);
      this.waiting.get(userId)?.shift()?.();
    };
  }

  private async waitForSlot(userId: string): Promise<void> {
    while (this.activeRuns(userId) >= this.deps.config.maxConcurrentRuns) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(userId) ?? [];
        this.waiting.set(userId, queue);
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(wake), 1);
          reject(
            new AppError('too_many_runs', 'Your other replies are taking too long; try again later.', {
              retryAfterSeconds: 5,
            }),
          );
        }, SLOT_WAIT_MS);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        queue.push(wake);
      });
    }
  }

  private async checkQuota(userId: string): Promise<void> {
    const { config, store } = this.deps;
    const user = await findUser(store.db, userId);
    const daily = user?.token_quota_daily ?? config.tokenQuotaDaily;
    const monthly = user?.token_quota_monthly ?? config.tokenQuotaMonthly;
    if (!daily && !monthly) return;
    const at = new Date();
    const used = await tokenUsage(store.db, userId, at);
    if (daily && used.day >= daily) {
      throw new AppError(
        'quota_exceeded',
        `You have used your ${daily} tokens for today; the quota resets at 00:00 UTC.`,
        {
          retryAfterSeconds: secondsUntilNextUtcDay(at),
        },
      );
    }
    if (monthly && used.month >= monthly) {
      throw new AppError(
        'quota_exceeded',
        `You have used your ${monthly} tokens for this month; the quota resets on the 1st (UTC).`,
        { retryAfterSeconds: secondsUntilNextUtcMonth(at) },
      );
    }
  }
}
