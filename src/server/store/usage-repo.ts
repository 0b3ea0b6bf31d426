import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** UTC periods a token count is kept for: the quota windows. */
export function usagePeriods(at: Date): { day: string; month: string } {
  const iso = at.toISOString();
  return { day: `day:${iso.slice(0, 10)}`, month: `month:${iso.slice(0, 7)}` };
}

/** Add tokens to the user's day and month counters (an upsert, same SQL in SQLite and PostgreSQL). */
export async function addTokenUsage(
  db: Kysely<Database>,
  userId: string,
  tokens: number,
  at: Date,
): Promise<void> {
  if (tokens <= 0) return;
  const { day, month } = usagePeriods(at);
  for (const period of [day, month]) {
    await db
      .insertInto('token_usage')
      .values({ user_id: userId, period, tokens })
      .onConflict((oc) =>
        oc.columns(['user_id', 'period']).doUpdateSet({ tokens: sql`token_usage.tokens + ${tokens}` }),
      )
      .execute();
  }
}

export async function tokenUsage(
  db: Kysely<Database>,
  userId: string,
  at: Date,
): Promise<{ day: number; month: number }> {
  const { day, month } = usagePeriods(at);
  const rows = await db
    .selectFrom('token_usage')
    .select(['period', 'tokens'])
    .where('user_id', '=', userId)
    .where('period', 'in', [day, month])
    .execute();
  const of = (period: string) => Number(rows.find((row) => row.period === period)?.tokens ?? 0);
  return { day: of(day), month: of(month) };
}
