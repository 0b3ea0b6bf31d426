import { type Kysely, sql } from 'kysely';
import type { Database, Dialect, NewConversation, NewUser } from './schema.js';
import { deleteUsers } from './users-repo.js';

/**
 * Guests of the seed routes (GUEST_ACCESS=on): a user row each (so every per-user rule applies:
 * ownership, quotas, run limits) plus a `guests` row that marks it as a guest and dates its use.
 */

export interface GuestRow {
  userId: string;
  disabled: boolean;
  lastSeenAt: string;
}

/**
 * Create a guest (user, guest mark and its default conversation) in one transaction, unless
 * `cap` guests already exist. The count and the insert are serialized (SQLite runs one
 * transaction at a time; PostgreSQL takes a transaction-scoped advisory lock), so parallel
 * creations cannot overshoot the cap. Returns false when the cap is reached.
 */
export async function insertGuestUnderCap(
  db: Kysely<Database>,
  dialect: Dialect,
  input: { user: NewUser; conversation: NewConversation; at: string; cap: number },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      // Any constant key: only guest creation takes it.
      await sql`select pg_advisory_xact_lock(72346001)`.execute(trx);
    }
    const row = await trx
      .selectFrom('guests')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= input.cap) return false;
    await trx.insertInto('users').values(input.user).execute();
    await trx
      .insertInto('guests')
      .values({ user_id: input.user.id, created_at: input.at, last_seen_at: input.at })
      .execute();
    await trx.insertInto('conversations').values(input.conversation).execute();
    return true;
  });
}

export async function findGuest(db: Kysely<Database>, userId: string): Promise<GuestRow | undefined> {
  const row = await db
    .selectFrom('guests')
    .innerJoin('users', 'users.id', 'guests.user_id')
    .select(['guests.user_id', 'guests.last_seen_at', 'users.disabled'])
    .where('guests.user_id', '=', userId)
    .executeTakeFirst();
  return row && { userId: row.user_id, disabled: Number(row.disabled) === 1, lastSeenAt: row.last_seen_at };
}

export async function touchGuest(db: Kysely<Database>, userId: string, at: string): Promise<void> {
  await db.updateTable('guests').set({ last_seen_at: at }).where('user_id', '=', userId).execute();
}

export async function countGuests(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('guests').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Delete up to `limit` guests last seen before `before`, with everything they own (the users row
 * cascades to conversations, messages, runs and usage). Returns how many were deleted.
 */
export async function deleteIdleGuests(db: Kysely<Database>, before: string, limit: number): Promise<number> {
  const idle = await db
    .selectFrom('guests')
    .select('user_id')
    .where('last_seen_at', '<', before)
    .orderBy('last_seen_at')
    .limit(limit)
    .execute();
  if (idle.length === 0) return 0;
  const ids = idle.map((row) => row.user_id);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('guests').where('user_id', 'in', ids).execute();
    await deleteUsers(trx, ids);
  });
  return ids.length;
}
