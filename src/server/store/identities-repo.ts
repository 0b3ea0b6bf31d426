import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, UserIdentitiesTable } from './schema.js';

export type IdentityRow = Selectable<UserIdentitiesTable>;

/** The identity at this provider, by issuer + subject (the only way an identity is found). */
export async function findIdentity(
  db: Kysely<Database>,
  issuer: string,
  subject: string,
): Promise<IdentityRow | undefined> {
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .executeTakeFirst();
}

/** A user's identities (at most a few: one per provider). */
export async function listUserIdentities(db: Kysely<Database>, userId: string): Promise<IdentityRow[]> {
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .limit(20)
    .execute();
}

export async function insertIdentity(
  db: Kysely<Database>,
  row: Insertable<UserIdentitiesTable>,
): Promise<void> {
  await db.insertInto('user_identities').values(row).execute();
}

/** What the provider said at the latest sign-in. */
export async function touchIdentity(
  db: Kysely<Database>,
  issuer: string,
  subject: string,
  patch: { email: string | null; groups: string | null; last_login_at: string },
): Promise<void> {
  await db
    .updateTable('user_identities')
    .set(patch)
    .where('issuer', '=', issuer)
    .where('subject', '=', subject)
    .execute();
}
