import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Data } from '../store/repositories.js';
import type { CounterStore } from './counters.js';
import { hasRoom, type QuotaPool } from './effective-limits.js';
import { GroupLimits } from './group-limits.js';

const MINUTE = 60_000;
const SLOT_WAIT_MS = 120_000;
/** A held slot lapses this long after its instance stopped renewing it (died). */
const SLOT_TTL_MS = 60_000;
const SLOT_POLL_MS = 250;

const slotKey = (userId: string) => `running:${userId}`;

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
 *
 * Runs at once are slots in the counter store (memory, or Redis shared by every instance), so the
 * bound holds across instances. This instance renews the slots it holds while their runs go on;
 * if it dies, they lapse after `slotTtlMs` and the user can start replies again.
 */
export class RunLimiter {
  /** Slots this instance holds: holder id → user. */
  private readonly held = new Map<string, string>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private renewTimer: NodeJS.Timeout | undefined;
  /** Reads effective quotas (own, groups, server default). */
  private readonly limits: GroupLimits;

  constructor(
    private readonly deps: {
      store: Data;
      counters: CounterStore;
      config: Pick<Config, 'messageLimitRpm' | 'maxConcurrentRuns' | 'tokenQuotaDaily' | 'tokenQuotaMonthly'>;
      /** The message-limit window; a minute, shorter in tests. */
      windowMs?: number;
      /** How long a slot outlives its instance (renewed at a third of it while held). */
      slotTtlMs?: number;
      /** How often a queued caller looks for a slot freed on another instance. */
      slotPollMs?: number;
    },
  ) {
    this.limits = new GroupLimits(deps);
  }

  private get slotTtlMs(): number {
    return this.deps.slotTtlMs ?? SLOT_TTL_MS;
  }

  /** Runs of the user admitted by this instance and still going (all instances: `slotsInUse`). */
  activeRuns(userId: string): number {
    let count = 0;
    for (const holder of this.held.values()) if (holder === userId) count += 1;
    return count;
  }

  /** Runs of the user going on any instance. */
  slotsInUse(userId: string): Promise<number> {
    return this.deps.counters.slotsInUse(slotKey(userId));
  }

  /**
   * Admit one run for the user, or throw a 429. `waitForSlot` (the synchronous seed route) queues
   * for a free slot instead of refusing. Returns the function that frees the slot: the caller
   * must call it on every path, success or failure (calling it twice is harmless).
   */
  async admit(
    userId: string,
    options: { waitForSlot?: boolean; apiTokenId?: string } = {},
  ): Promise<() => void> {
    const { config, counters } = this.deps;
    await this.checkQuota(userId);
    await this.checkTokenBudget(options.apiTokenId);
    const { count, resetInMs } = await counters.hit(`runs:${userId}`, this.deps.windowMs ?? MINUTE);
    if (count > config.messageLimitRpm) {
      throw new AppError(
        'rate_limited',
        `You can start ${config.messageLimitRpm} replies a minute; wait a moment and try again.`,
        { retryAfterSeconds: resetInMs / 1000 },
      );
    }
    const holder = newId();
    if (!(await this.takeSlot(userId, holder))) {
      if (!options.waitForSlot) {
        throw new AppError(
          'too_many_runs',
          `You already have ${config.maxConcurrentRuns} replies being written; wait for one to finish or stop one.`,
          { retryAfterSeconds: 1 },
        );
      }
      await this.waitForSlot(userId, holder);
    }
    return () => {
      if (!this.held.delete(holder)) return;
      if (this.held.size === 0) this.stopRenewing();
      // Not renewed any more: if the store cannot be reached now, the slot lapses by itself.
      void counters
        .freeSlot(slotKey(userId), holder)
        .catch(() => {})
        .then(() => this.waiting.get(userId)?.shift()?.());
    };
  }

  /** Take a slot in the shared store (atomic there: parallel requests on any instance). */
  private async takeSlot(userId: string, holder: string): Promise<boolean> {
    const taken = await this.deps.counters.takeSlot(
      slotKey(userId),
      holder,
      this.deps.config.maxConcurrentRuns,
      this.slotTtlMs,
    );
    if (taken) {
      this.held.set(holder, userId);
      this.startRenewing();
    }
    return taken;
  }

  /**
   * Queue until a slot is free: woken at once by a release here, and looking again now and then
   * for one freed on another instance (or lapsed).
   */
  private async waitForSlot(userId: string, holder: string): Promise<void> {
    const deadline = Date.now() + SLOT_WAIT_MS;
    while (!(await this.takeSlot(userId, holder))) {
      if (Date.now() >= deadline) {
        throw new AppError('too_many_runs', 'Your other replies are taking too long; try again later.', {
          retryAfterSeconds: 5,
        });
      }
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(userId) ?? [];
        this.waiting.set(userId, queue);
        const wake = () => {
          clearTimeout(timer);
          const at = queue.indexOf(wake);
          if (at >= 0) queue.splice(at, 1);
          if (queue.length === 0 && this.waiting.get(userId) === queue) this.waiting.delete(userId);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(this.deps.slotPollMs ?? SLOT_POLL_MS, deadline - Date.now()));
        queue.push(wake);
      });
    }
  }

  private startRenewing(): void {
    this.renewTimer ??= setInterval(() => void this.renew(), this.slotTtlMs / 3);
    this.renewTimer.unref();
  }

  private stopRenewing(): void {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** Keep the slots of runs still going on this instance. */
  private async renew(): Promise<void> {
    const byUser = new Map<string, string[]>();
    for (const [holder, userId] of this.held) byUser.set(userId, [...(byUser.get(userId) ?? []), holder]);
    for (const [userId, holders] of byUser) {
      // A failed renewal is retried at the next tick, well before the slots lapse.
      await this.deps.counters.renewSlots(slotKey(userId), holders, this.slotTtlMs).catch(() => {});
    }
  }

  /** A request made with an API token: that token's own daily budget, if it has one (also titles'). */
  async checkTokenBudget(apiTokenId: string | undefined): Promise<void> {
    if (!apiTokenId) return;
    const { store } = this.deps;
    const budget = (await store.repos.tokens.findApiTokenBudget(apiTokenId))?.budget;
    if (!budget) return;
    const at = new Date();
    const used = await store.repos.tokens.apiTokenUsageOn(apiTokenId, at.toISOString().slice(0, 10));
    if (used >= budget) {
      throw new AppError(
        'quota_exceeded',
        `This API token has used its ${budget} tokens for today; its budget resets at 00:00 UTC.`,
        { retryAfterSeconds: secondsUntilNextUtcDay(at) },
      );
    }
  }

  /**
   * The user's effective quotas (group-limits.ts: their own, else their groups' pools, the most
   * generous winning, else the server's): refused when the deciding pool of a window is used up,
   * naming the group when a group's shared quota decided.
   */
  private async checkQuota(userId: string): Promise<void> {
    const at = new Date();
    const { daily, monthly } = await this.limits.standing(userId, at);
    const whose = (pool: QuotaPool) =>
      pool.source === 'group'
        ? `Your group "${pool.groupName}" has used its ${pool.limit} tokens`
        : `You have used your ${pool.limit} tokens`;
    if (!hasRoom(daily)) {
      throw new AppError('quota_exceeded', `${whose(daily)} for today; the quota resets at 00:00 UTC.`, {
        retryAfterSeconds: secondsUntilNextUtcDay(at),
      });
    }
    if (!hasRoom(monthly)) {
      throw new AppError(
        'quota_exceeded',
        `${whose(monthly)} for this month; the quota resets on the 1st (UTC).`,
        { retryAfterSeconds: secondsUntilNextUtcMonth(at) },
      );
    }
  }
}
