import type { Kysely } from 'kysely';
import { type Insertable, sql } from 'kysely';
import type { ApiTokenRow, ApiTokensTable, Database } from './schema.js';

export async function insertApiToken(db: Kysely<Database>, row: Insertable<ApiTokensTable>): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

export async function findApiTokenByHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function listApiTokens(db: Kysely<Database>, userId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

export async function deleteApiToken(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('api_tokens')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function touchApiToken(db: Kysely<Database>, id: string, now: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function addApiTokenUsage(db: Kysely<Database>, id: string, tokens: number): Promise<void> {
  if (tokens <= 0) return;
  await db
    .updateTable('api_tokens')
    .set({ tokens_used: sql`tokens_used + ${tokens}` })
    .where('id', '=', id)
    .execute();
}

/** One of the user's tokens (undefined when it is not theirs or does not exist). */
export async function findUserApiToken(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<ApiTokenRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A token's daily budget (NULL: none); undefined when the token is gone. */
export async function findApiTokenBudget(
  db: Kysely<Database>,
  id: string,
): Promise<{ budget: number | null } | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select('daily_token_budget')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  // pg returns bigint as a string.
  return { budget: row.daily_token_budget === null ? null : Number(row.daily_token_budget) };
}

/** Set or clear (null) the daily budget of one of the user's tokens; false when it is not theirs. */
export async function setApiTokenBudget(
  db: Kysely<Database>,
  userId: string,
  id: string,
  budget: number | null,
): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ daily_token_budget: budget })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Tokens (input + output) spent through one API token on a UTC day (`YYYY-MM-DD`). */
export async function apiTokenUsageOn(db: Kysely<Database>, id: string, day: string): Promise<number> {
  const row = await db
    .selectFrom('usage_events')
    .select(sql<number | string | null>`sum(input_tokens + output_tokens)`.as('used'))
    .where('api_token_id', '=', id)
    .where('day', '=', day)
    .executeTakeFirst();
  return Number(row?.used ?? 0);
}

/** The same for every token of the user at once (the token list): token id → tokens that day. */
export async function apiTokensUsageOn(
  db: Kysely<Database>,
  userId: string,
  day: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('usage_events')
    .select(['api_token_id', sql<number | string>`sum(input_tokens + output_tokens)`.as('used')])
    .where('user_id', '=', userId)
    .where('day', '=', day)
    .where('api_token_id', 'is not', null)
    .groupBy('api_token_id')
    .execute();
  return new Map(rows.map((row) => [row.api_token_id as string, Number(row.used)]));
}
