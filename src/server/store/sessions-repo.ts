import type { Kysely } from 'kysely';
import type { Database, SessionRow, UserRow } from './schema.js';

export async function insertSession(db: Kysely<Database>, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The session and its user, if the session exists and has not expired. */
export async function findSession(
  db: Kysely<Database>,
  id: string,
  now: string,
): Promise<{ session: SessionRow; userId: string } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? { session: row, userId: row.user_id } : undefined;
}

export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Disabling a user or changing their password ends every session at once. */
export async function deleteUserSessions(db: Kysely<Database>, userId: UserRow['id']): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSessions(db: Kysely<Database>, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}
