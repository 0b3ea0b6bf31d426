import type { MyUsage } from '../api.js';

/** What is left of a quota, and how much is used (0..1); null without a limit. */
export function quotaState(quota: { limit: number | null; used: number }) {
  if (quota.limit === null) return null;
  const share = quota.limit === 0 ? 1 : Math.min(1, quota.used / quota.limit);
  return { limit: quota.limit, used: quota.used, left: Math.max(0, quota.limit - quota.used), share };
}

/** The group whose shared quota a window of `GET /api/usage` is, if a group's (older servers: none). */
export const groupNameOf = (window: object): string | null =>
  (window as { groupName?: string | null }).groupName ?? null;

/** The quota closest to running out when more than `threshold` of it is used (for the composer's meter). */
export function nearestQuota(usage: MyUsage, threshold = 0.8) {
  const candidates = (['daily', 'monthly'] as const)
    .map((period) => ({
      period,
      state: quotaState(usage.quota[period]),
      groupName: groupNameOf(usage.quota[period]),
    }))
    .filter(
      (
        c,
      ): c is {
        period: 'daily' | 'monthly';
        state: NonNullable<ReturnType<typeof quotaState>>;
        groupName: string | null;
      } => c.state !== null && c.state.share > threshold,
    )
    .sort((a, b) => b.state.share - a.state.share);
  return candidates[0] ?? null;
}

const count = new Intl.NumberFormat();

/** The meter's sentence; a group's shared quota is said to be the group's (other members spend it too). */
export function meterText(
  state: { limit: number; left: number; share: number },
  period: 'daily' | 'monthly',
  groupName: string | null,
): string {
  const what = period === 'daily' ? 'today’s' : 'this month’s';
  if (state.left === 0)
    return `${groupName ? `Your group “${groupName}” has` : 'You have'} used all of ${what} ${count.format(state.limit)} tokens.`;
  const used = `${Math.round(state.share * 100)}% of ${what} tokens used · ${count.format(state.left)} left`;
  return groupName ? `Your group “${groupName}”: ${used}` : used;
}

/** The first day of this month (UTC) and today, as the usage API's range. */
export function thisMonth(now = new Date()): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  return { from: `${to.slice(0, 8)}01`, to };
}
