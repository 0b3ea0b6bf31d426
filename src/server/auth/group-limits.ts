import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Data } from '../store/repositories.js';
import { allowedByGroups, decidingPool, type QuotaPool } from './effective-limits.js';

/** A user's standing against their quotas: the pool that decides each window. */
export interface QuotaStanding {
  daily: QuotaPool;
  monthly: QuotaPool;
}

export interface GroupLimitsDeps {
  store: Data;
  config: Pick<Config, 'tokenQuotaDaily' | 'tokenQuotaMonthly'>;
}

/**
 * What a user's groups mean for them, read from the store at each call (a membership or group
 * change counts at the next request): their effective token quotas, and the models and tools
 * they may use. The rule itself is effective-limits.ts.
 */
export class GroupLimits {
  constructor(private readonly deps: GroupLimitsDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  async standing(userId: string, at: Date = new Date()): Promise<QuotaStanding> {
    const { config } = this.deps;
    const [user, own, groups] = await Promise.all([
      this.repos.users.findUser(userId),
      this.repos.usage.tokenUsage(userId, at),
      this.repos.groups.groupsOfUser(userId),
    ]);
    const shared = await this.repos.groups.groupTokenUsage(
      groups.filter((g) => g.token_quota_daily !== null || g.token_quota_monthly !== null).map((g) => g.id),
      at,
    );
    const window = (kind: 'day' | 'month') => {
      const daily = kind === 'day';
      return decidingPool({
        own: (daily ? user?.token_quota_daily : user?.token_quota_monthly) ?? null,
        ownUsed: own[kind],
        serverDefault: daily ? config.tokenQuotaDaily : config.tokenQuotaMonthly,
        groups: groups.map((group) => ({
          name: group.name,
          quota: daily ? group.token_quota_daily : group.token_quota_monthly,
          used: shared.get(group.id)?.[kind] ?? 0,
        })),
      });
    };
    return { daily: window('day'), monthly: window('month') };
  }

  /** The models the user may use; null: every model. */
  async allowedModels(userId: string): Promise<Set<string> | null> {
    const groups = await this.repos.groups.groupsOfUser(userId);
    return allowedByGroups(groups.map((group) => group.models));
  }

  /** The tools (`<server>/<tool>`) the user's groups allow; null: every tool the role allows. */
  async allowedTools(userId: string): Promise<Set<string> | null> {
    const groups = await this.repos.groups.groupsOfUser(userId);
    return allowedByGroups(groups.map((group) => group.tools));
  }

  /** A 403 `model_not_allowed` when the user's groups do not include the model. */
  async requireModel(userId: string, model: string): Promise<void> {
    const allowed = await this.allowedModels(userId);
    if (allowed && !allowed.has(model)) throw modelNotAllowed(model);
  }
}

export const modelNotAllowed = (model: string) =>
  new AppError('model_not_allowed', `Your groups do not include the model ${model}.`);
