import type { Kysely } from 'kysely';
import type { Database, InvitesTable, Role } from './schema.js';

export async function insertInvite(
  db: Kysely<Database>,
  row: {
    id: string;
    code_hash: string;
    created_by: string;
    created_at: string;
    expires_at: string;
    role?: Role;
  },
): Promise<void> {
  await db
    .insertInto('invites')
    .values({ ...row, used_by: null, used_at: null, revoked_at: null })
    .execute();
}

/** Mark an unused, unrevoked, unexpired invite as used: the role it grants, or null when there is no such invite. */
export async function redeemInvite(
  db: Kysely<Database>,
  codeHash: string,
  userId: string,
  now: string,
): Promise<Role | null> {
  const row = await db
    .updateTable('invites')
    .set({ used_by: userId, used_at: now })
    .where('code_hash', '=', codeHash)
    .where('used_by', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('role')
    .executeTakeFirst();
  return row?.role ?? null;
}

export type InviteRow = Omit<InvitesTable, 'code_hash' | 'role'> & { role: Role };

/** The newest invites first (without their hashes), at most `limit`. */
export async function listInvites(db: Kysely<Database>, limit: number): Promise<InviteRow[]> {
  return db
    .selectFrom('invites')
    .select(['id', 'role', 'created_by', 'created_at', 'expires_at', 'used_by', 'used_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function findInvite(db: Kysely<Database>, id: string): Promise<InviteRow | undefined> {
  return db
    .selectFrom('invites')
    .select(['id', 'role', 'created_by', 'created_at', 'expires_at', 'used_by', 'used_at', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Revoke an invite nobody used yet; false when it is used or already revoked. */
export async function revokeInvite(db: Kysely<Database>, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('used_by', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether an unused, unexpired invite with this code exists (checked before any hashing). */
export async function findUsableInvite(
  db: Kysely<Database>,
  codeHash: string,
  now: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('invites')
    .select('id')
    .where('code_hash', '=', codeHash)
    .where('used_by', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Expired invites that nobody used are of no further use. */
export async function deleteExpiredInvites(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db
    .deleteFrom('invites')
    .where('used_by', 'is', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
