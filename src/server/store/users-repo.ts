import type { Kysely } from 'kysely';
import type { Database, UserRow } from './schema.js';

/** Until accounts land every request acts as this built-in user. */
export const LOCAL_USER_ID = '00000000-0000-7000-8000-000000000001';

export async function ensureLocalUser(db: Kysely<Database>, now: string): Promise<UserRow> {
  const existing = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', LOCAL_USER_ID)
    .executeTakeFirst();
  if (existing) return existing;
  const row: UserRow = {
    id: LOCAL_USER_ID,
    username: 'local',
    display_name: 'Local user',
    role: 'admin',
    created_at: now,
  };
  await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return row;
}
