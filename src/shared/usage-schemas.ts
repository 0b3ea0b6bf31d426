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
  /** One or two of `user`, `model`, `day`, `group`, comma-separated. */
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
  /** groupBy=group: the group (a user in two groups counts in both; users in none are not listed). */
  groupId: Type.Optional(Type.String()),
  groupName: Type.Optional(Type.String()),
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
  /** Where the limit comes from: your own quota, a group's shared quota, the server's default; null: none. */
  source: Type.Union([Type.Literal('user'), Type.Literal('group'), Type.Literal('server'), Type.Null()]),
  /** The group whose shared quota this is (source `group`), else null. */
  groupName: Type.Union([Type.String(), Type.Null()]),
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
