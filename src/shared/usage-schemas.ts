import { type Static, Type } from 'typebox';

/**
 * GET /api/usage (your own) and GET /api/admin/usage (everyone's, admins): tokens, requests and
 * cost summed per UTC day, model and (admins) user, over a range of at most 366 days.
 */

/** The longest range a report covers, in days (both ends included). */
export const MAX_USAGE_RANGE_DAYS = 366;
/** At most this many rows per report grouped by user (the biggest spenders first). */
export const MAX_USAGE_USER_ROWS = 1000;

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'A UTC day, YYYY-MM-DD' });

export const UsageQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  /** `day`, `model` or `day,model`. */
  groupBy: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
});
export type UsageQueryDto = Static<typeof UsageQuery>;

export const AdminUsageQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  /** One or two of `user`, `model`, `day` (and `group`, once groups exist), comma-separated. */
  groupBy: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
});
export type AdminUsageQueryDto = Static<typeof AdminUsageQuery>;

const Cost = Type.Union([Type.Number(), Type.Null()], {
  description: 'USD at the prices when the tokens were spent; null when no event of the row had a price',
});

export const UsageRow = Type.Object({
  day: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  username: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  requests: Type.Integer(),
  costUsd: Cost,
});
export type UsageRowDto = Static<typeof UsageRow>;

export const UsageTotals = Type.Object({
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  requests: Type.Integer(),
  costUsd: Cost,
});

const QuotaWindow = Type.Object({
  /** Tokens allowed in the window; null: no limit. */
  limit: Type.Union([Type.Integer(), Type.Null()]),
  /** Tokens counted so far in the window (the counters quotas are enforced with). */
  used: Type.Integer(),
});

export const UsageQuota = Type.Object({ daily: QuotaWindow, monthly: QuotaWindow });

const GroupBy = Type.Array(
  Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('user'), Type.Literal('group')]),
);

export const AdminUsageReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  groupBy: GroupBy,
  rows: Type.Array(UsageRow),
  totals: UsageTotals,
});
export type AdminUsageReportDto = Static<typeof AdminUsageReport>;

export const UsageReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  groupBy: GroupBy,
  rows: Type.Array(UsageRow),
  totals: UsageTotals,
  quota: UsageQuota,
});
export type UsageReportDto = Static<typeof UsageReport>;
