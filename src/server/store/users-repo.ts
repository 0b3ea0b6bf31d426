import { type Kysely, sql } from 'kysely';
import type { Database, NewUser, Role, UserRow } from './schema.js';

/**
 * Insert a user unless it exists (the built-in users, see auth/builtin-users.ts). No conflict
 * target: replicas starting together on a new PostgreSQL database race on the username's unique
 * key too, and "on conflict (id)" let the loser fail. Afterwards the row must be there under its
 * id; a different user holding its username is an error that says so.
 */
export async function insertUserIfAbsent(db: Kysely<Database>, row: NewUser): Promise<void> {
  await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .execute();
  if (!(await db.selectFrom('users').select('id').where('id', '=', row.id).executeTakeFirst())) {
    throw new Error(`The built-in user "${row.username}" cannot be created: another user has that username.`);
  }
}

/** pg returns bigint columns as strings; the app works with numbers. */
function normalize(row: UserRow): UserRow {
  return {
    ...row,
    disabled: Number(row.disabled),
    pending: Number(row.pending),
    token_quota_daily: row.token_quota_daily === null ? null : Number(row.token_quota_daily),
    token_quota_monthly: row.token_quota_monthly === null ? null : Number(row.token_quota_monthly),
  };
}

export async function findUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && normalize(row);
}

export async function findUserByUsername(
  db: Kysely<Database>,
  username: string,
): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return row && normalize(row);
}

/** Accounts people created (built-in users have no password). */
export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select(sql<number>`count(*)`.as('n'))
    .where('password_hash', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Lock the active admins' rows for the rest of the transaction and count them. The no-op write
 * takes PostgreSQL's row locks (SQLite's write lock): two changes that could each remove the last
 * admin (demote, disable, delete) at the same moment are decided one after the other, the second
 * counting what the first left.
 */
export async function lockActiveAdmins(db: Kysely<Database>): Promise<number> {
  const result = await db
    .updateTable('users')
    .set({ role: 'admin' })
    .where('password_hash', 'is not', null)
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function countActiveAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select(sql<number>`count(*)`.as('n'))
    .where('password_hash', 'is not', null)
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Delete users with everything they own: the users row cascades to conversations, messages, runs,
 * files (whose delete trigger queues their bytes for the blob sweeper), sessions, tokens and usage.
 * Returns how many rows went. The guests' purge and "delete my account" both go through here.
 */
export async function deleteUsers(db: Kysely<Database>, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('users')
    .where('id', 'in', [...ids])
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertUser(db: Kysely<Database>, row: NewUser): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export interface UserPatch {
  username?: string;
  display_name?: string;
  role?: Role;
  password_hash?: string;
  disabled?: number;
  pending?: number;
  token_quota_daily?: number | null;
  token_quota_monthly?: number | null;
}

export async function updateUser(
  db: Kysely<Database>,
  id: string,
  patch: UserPatch,
): Promise<UserRow | undefined> {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
  return findUser(db, id);
}

/**
 * The first admin takes over the built-in local user, so what was written in AUTH_MODE=none (or
 * before sign-up) stays with its owner. Guarded on the local user still having no password: of two
 * parallel claims exactly one wins (false for the other).
 */
export async function claimLocalUser(
  db: Kysely<Database>,
  localUserId: string,
  patch: { username: string; display_name: string; password_hash: string },
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ ...patch, role: 'admin', disabled: 0, pending: 0 })
    .where('id', '=', localUserId)
    .where('password_hash', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Swap a password hash only if it is still `old` (a re-hash must not undo a password change). */
export async function replacePasswordHash(
  db: Kysely<Database>,
  id: string,
  old: string,
  hash: string,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: hash })
    .where('id', '=', id)
    .where('password_hash', '=', old)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** People's accounts, oldest first, `limit` after the `after` id. */
export async function listAccounts(
  db: Kysely<Database>,
  limit: number,
  after?: string,
  search?: string,
): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().where('password_hash', 'is not', null);
  if (after) query = query.where('id', '>', after);
  if (search) {
    // A substring of the username or the display name, case-insensitive; % and _ match themselves.
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('username')}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(${eb.ref('display_name')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return (await query.orderBy('id').limit(limit).execute()).map(normalize);
}
