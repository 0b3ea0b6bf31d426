import { type Kysely, sql } from 'kysely';
import type { Database, NewUsageEvent } from './schema.js';

/** What a usage report groups by; `group`: the user's current groups (one event counts in each). */
export type UsageDimension = 'day' | 'model' | 'user' | 'group';

export interface UsageQuery {
  /** First UTC day (YYYY-MM-DD), inclusive. */
  from: string;
  /** Last UTC day (YYYY-MM-DD), inclusive. */
  to: string;
  /** Only this user's events; every user's when absent. */
  userId?: string;
  /** At most this many rows, the most tokens first when grouped by user (else by day, then tokens). */
  limit: number;
}

export interface UsageSums {
  inputTokens: number;
  outputTokens: number;
  requests: number;
  /** The sum of the events' known costs; null when none of them had a price. */
  costMicros: number | null;
}

export interface UsageGroupRow extends UsageSums {
  day?: string;
  model?: string;
  userId?: string;
  username?: string | null;
  groupId?: string;
  groupName?: string;
}

/** Record one model call's tokens and cost. */
export async function insertUsageEvent(db: Kysely<Database>, event: NewUsageEvent): Promise<void> {
  await db.insertInto('usage_events').values(event).execute();
}

/** Numbers from SUM/COUNT arrive as strings from PostgreSQL (bigint) and as numbers from SQLite. */
function sums(row: {
  input_tokens: unknown;
  output_tokens: unknown;
  requests: unknown;
  cost_micros: unknown;
}): UsageSums {
  return {
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    requests: Number(row.requests ?? 0),
    costMicros: row.cost_micros === null || row.cost_micros === undefined ? null : Number(row.cost_micros),
  };
}

function inRange(db: Kysely<Database>, query: UsageQuery) {
  let select = db
    .selectFrom('usage_events')
    .where('usage_events.day', '>=', query.from)
    .where('usage_events.day', '<=', query.to);
  if (query.userId !== undefined) select = select.where('usage_events.user_id', '=', query.userId);
  return select;
}

const SUMS = [
  sql<string>`sum(usage_events.input_tokens)`.as('input_tokens'),
  sql<string>`sum(usage_events.output_tokens)`.as('output_tokens'),
  sql<string>`count(*)`.as('requests'),
  // SUM ignores NULLs, and is NULL when every value is: "no price known" for the whole group.
  sql<string | null>`sum(usage_events.cost_micros)`.as('cost_micros'),
];

/** The range's totals (never cut by a row limit). */
export async function usageTotals(db: Kysely<Database>, query: UsageQuery): Promise<UsageSums> {
  const row = await inRange(db, query).select(SUMS).executeTakeFirst();
  return row ? sums(row) : { inputTokens: 0, outputTokens: 0, requests: 0, costMicros: null };
}

/**
 * The range's events summed per group: one or two of day, model, user. The same SQL on SQLite and
 * PostgreSQL (GROUP BY plain columns, ORDER BY the sums' expressions).
 */
export async function usageByGroup(
  db: Kysely<Database>,
  query: UsageQuery,
  groupBy: readonly UsageDimension[],
): Promise<UsageGroupRow[]> {
  const byDay = groupBy.includes('day');
  const byModel = groupBy.includes('model');
  const byUser = groupBy.includes('user');
  const byGroup = groupBy.includes('group');
  const tokens = sql`sum(usage_events.input_tokens) + sum(usage_events.output_tokens)`;
  const rows = await inRange(db, query)
    .leftJoin('users', 'users.id', 'usage_events.user_id')
    .select(SUMS)
    .$if(byDay, (q) => q.select('usage_events.day').groupBy('usage_events.day'))
    .$if(byModel, (q) => q.select('usage_events.model').groupBy('usage_events.model'))
    .$if(byUser, (q) =>
      q
        .select(['usage_events.user_id', 'users.username'])
        .groupBy(['usage_events.user_id', 'users.username']),
    )
    // Through the current memberships: a user in two groups counts in both, one in none in none.
    .$if(byGroup, (q) =>
      q
        .innerJoin('group_members', 'group_members.user_id', 'usage_events.user_id')
        .innerJoin('groups', 'groups.id', 'group_members.group_id')
        .select(['groups.id as group_id', 'groups.name as group_name'])
        .groupBy(['groups.id', 'groups.name']),
    )
    // Per user: the biggest spenders first. Otherwise days in order, the most tokens first within a day.
    .$if(byDay && !byUser, (q) => q.orderBy('usage_events.day', 'asc'))
    .orderBy(tokens, 'desc')
    .$if(byDay && byUser, (q) => q.orderBy('usage_events.day', 'asc'))
    .$if(byModel, (q) => q.orderBy('usage_events.model', 'asc'))
    .$if(byUser, (q) => q.orderBy('usage_events.user_id', 'asc'))
    .$if(byGroup, (q) => q.orderBy(sql`lower(groups.name)`, 'asc'))
    .limit(query.limit)
    .execute();
  return rows.map((row) => {
    const r = row as typeof row & {
      day?: string;
      model?: string;
      user_id?: string;
      username?: string | null;
      group_id?: string;
      group_name?: string;
    };
    return {
      ...(byDay ? { day: r.day } : {}),
      ...(byModel ? { model: r.model } : {}),
      ...(byUser ? { userId: r.user_id, username: r.username ?? null } : {}),
      ...(byGroup ? { groupId: r.group_id, groupName: r.group_name } : {}),
      ...sums(row),
    };
  });
}

// ---- Per-model history (the console's TTFT and error-rate charts) --------------------------------

export interface ModelHistoryQuery {
  /** First UTC day (YYYY-MM-DD), inclusive. */
  from: string;
  /** Last UTC day (YYYY-MM-DD), inclusive. */
  to: string;
  bucket: 'hour' | 'day';
  /** At most this many (model, bucket) rows, oldest bucket first. */
  limit: number;
}

export interface ModelHistoryRow {
  model: string;
  /** `YYYY-MM-DD` (day) or `YYYY-MM-DDTHH` (hour): a prefix of the events' ISO `created_at`. */
  bucket: string;
  requests: number;
  errors: number;
  /** The middle first-token time (two of them for an even count, averaged by the caller). */
  ttftMiddles: number[];
}

/** The bucket of an event: its day column, or the hour prefix of its ISO time (same on both dialects). */
const bucketOf = (bucket: ModelHistoryQuery['bucket']) =>
  bucket === 'day' ? sql.raw('usage_events.day') : sql.raw('substr(usage_events.created_at, 1, 13)');

/**
 * Requests and failures per model and bucket, with the middle first-token time(s) of each: the
 * median is picked in SQL with window functions (SQLite ≥ 3.25 and PostgreSQL alike), so at most
 * two rows per bucket come back however many calls there were.
 */
export async function modelHistory(
  db: Kysely<Database>,
  query: ModelHistoryQuery,
): Promise<ModelHistoryRow[]> {
  const bucket = bucketOf(query.bucket);
  const counts = await db
    .selectFrom('usage_events')
    .where('usage_events.day', '>=', query.from)
    .where('usage_events.day', '<=', query.to)
    .select([
      'usage_events.model',
      sql<string>`${bucket}`.as('bucket'),
      sql<string>`count(*)`.as('requests'),
      sql<string>`sum(usage_events.failed)`.as('errors'),
    ])
    .groupBy(['usage_events.model', sql`${bucket}`])
    .orderBy(sql`${bucket}`, 'asc')
    .orderBy('usage_events.model', 'asc')
    .limit(query.limit)
    .execute();
  if (counts.length === 0) return [];
  const middles = await sql<{ model: string; bucket: string; ttft_ms: number }>`
    with ranked as (
      select usage_events.model as model, ${bucket} as bucket, usage_events.ttft_ms as ttft_ms,
        row_number() over (partition by usage_events.model, ${bucket} order by usage_events.ttft_ms) as rn,
        count(*) over (partition by usage_events.model, ${bucket}) as cnt
      from usage_events
      where usage_events.day >= ${query.from} and usage_events.day <= ${query.to}
        and usage_events.ttft_ms is not null
    )
    select model, bucket, ttft_ms from ranked
    where rn = (cnt + 1) / 2 or rn = cnt / 2 + 1
    limit ${query.limit * 2}
  `.execute(db);
  const byKey = new Map<string, number[]>();
  for (const row of middles.rows) {
    const key = `${row.model}\u0000${row.bucket}`;
    byKey.set(key, [...(byKey.get(key) ?? []), Number(row.ttft_ms)]);
  }
  return counts.map((row) => ({
    model: row.model,
    bucket: String(row.bucket),
    requests: Number(row.requests),
    errors: Number(row.errors ?? 0),
    ttftMiddles: byKey.get(`${row.model}\u0000${row.bucket}`) ?? [],
  }));
}
