import type { AdminGroup } from './admin-api.js';

/** Pure helpers behind the groups' quota bars (tested without a browser). */

export type Tone = 'ok' | 'warn' | 'danger';
export type Window = 'day' | 'month';

/** A quota that limits: null sets none, and 0 is "no limit" (as for a user's own quota). */
export const limits = (quota: number | null): quota is number => quota !== null && quota > 0;

/** How a quota reads in a table: "—" when the group sets none, "no limit" for 0. */
export const quotaText = (quota: number | null, format: (n: number) => string) =>
  quota === null ? '—' : quota === 0 ? 'no limit' : format(quota);

/** A group's standing against one quota: share used (0..1, capped), a tone (≥80% warn, all used danger). */
export function quotaStanding(used: number, quota: number | null): { share: number; tone: Tone } | null {
  if (!limits(quota)) return null;
  const share = Math.min(1, used / quota);
  return { share, tone: used >= quota ? 'danger' : share >= 0.8 ? 'warn' : 'ok' };
}

export interface QuotaBar {
  id: string;
  name: string;
  members: number;
  used: number;
  quota: number | null;
  /** used / quota, uncapped (null without a quota). */
  ratio: number | null;
  tone: Tone | null;
  /** Where the bar ends and the quota marker stands, as % of the track. */
  fillPct: number;
  markerPct: number | null;
}

/**
 * One bar per group for the window. A group with a quota is drawn against it (the track is 110% of
 * the larger of quota and use, so the marker stays in sight and an overshoot shows past it); groups
 * without one share the scale of the largest such consumption. Most used first (share of quota, then
 * tokens), at most `limit`.
 */
export function quotaBars(groups: AdminGroup[], window: Window, limit = 20): QuotaBar[] {
  const quotaOf = (g: AdminGroup) => (window === 'day' ? g.tokenQuotaDaily : g.tokenQuotaMonthly);
  const usedOf = (g: AdminGroup) => g.usage[window];
  const freeMax = Math.max(1, ...groups.filter((g) => !limits(quotaOf(g))).map(usedOf));
  const bars = groups.map((g): QuotaBar => {
    const used = usedOf(g);
    const quota = quotaOf(g);
    if (!limits(quota)) {
      return {
        id: g.id,
        name: g.name,
        members: g.memberCount,
        used,
        quota,
        ratio: null,
        tone: null,
        fillPct: (used / freeMax) * 100,
        markerPct: null,
      };
    }
    const scale = Math.max(quota, used, 1) * 1.1;
    return {
      id: g.id,
      name: g.name,
      members: g.memberCount,
      used,
      quota,
      ratio: used / quota,
      tone: quotaStanding(used, quota)?.tone ?? null,
      fillPct: (used / scale) * 100,
      markerPct: (quota / scale) * 100,
    };
  });
  return bars
    .sort((a, b) => (b.ratio ?? -1) - (a.ratio ?? -1) || b.used - a.used || (a.name < b.name ? -1 : 1))
    .slice(0, limit);
}

/** "25%": the share of a quota a bar's label shows (empty without a quota). */
export const percentText = (ratio: number | null): string =>
  ratio === null ? '' : `${Math.round(ratio * 100)}%`;
