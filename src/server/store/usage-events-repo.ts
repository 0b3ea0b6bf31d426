import { type Kysely, sql } from 'kysely';
import type { Database, NewUsageEvent } from './schema.js';

/** What a usage report groups by (groups of users are a later step). */
export type UsageDimension = 'day' | 'model' | 'user';

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
    // Per user: the biggest spenders first. Otherwise days in order, the most tokens first within a day.
    .$if(byDay && !byUser, (q) => q.orderBy('usage_events.day', 'asc'))
    .orderBy(tokens, 'desc')
    .$if(byDay && byUser, (q) => q.orderBy('usage_events.day', 'asc'))
    .$if(byModel, (q) => q.orderBy('usage_events.model', 'asc'))
    .$if(byUser, (q) => q.orderBy('usage_events.user_id', 'asc'))
    .limit(query.limit)
    .execute();
  return rows.map((row) => {
    const r = row as typeof row & {
      day?: string;
      model?: string;
      user_id?: string;
      username?: string | null;
    };
    return {
      ...(byDay ? { day: r.day } : {}),
      ...(byModel ? { model: r.model } : {}),
      ...(byUser ? { userId: r.user_id, username: r.username ?? null } : {}),
      ...sums(row),
    };
  });
}
