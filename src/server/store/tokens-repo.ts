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
