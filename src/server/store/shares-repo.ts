import { type Kysely, sql } from 'kysely';
import type { Database, Dialect, ShareRow } from './schema.js';

/**
 * Share links. Reads by id are the public side (the id is the secret; visibility is checked by the
 * service); listing and revoking are owner-scoped: someone else's share is simply not found.
 */

/**
 * A share readers may see: its owner's account must be active. A disabled (or not yet approved)
 * account's links stop serving with it, and serve again if an admin enables it.
 */
export async function shareById(db: Kysely<Database>, id: string): Promise<ShareRow | undefined> {
  return db
    .selectFrom('shares')
    .innerJoin('users', 'users.id', 'shares.user_id')
    .selectAll('shares')
    .where('shares.id', '=', id)
    .where('users.disabled', '=', 0)
    .where('users.pending', '=', 0)
    .executeTakeFirst();
}

/** The user's shares, newest first, without their snapshots (a list never carries the text). */
export async function listShares(
  db: Kysely<Database>,
  userId: string,
  limit: number,
): Promise<Omit<ShareRow, 'snapshot'>[]> {
  return db
    .selectFrom('shares')
    .select([
      'id',
      'user_id',
      'conversation_id',
      'visibility',
      'title',
      'message_count',
      'live_message_id',
      'created_at',
    ])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Add a share unless the user has `cap` already. The user's row is locked first on PostgreSQL so
 * two creations at once cannot both see room for one more (SQLite runs one writer at a time).
 */
export async function insertShareUnderCap(
  db: Kysely<Database>,
  dialect: Dialect,
  share: ShareRow,
  cap: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      await trx.selectFrom('users').select('id').where('id', '=', share.user_id).forUpdate().execute();
    }
    const row = await trx
      .selectFrom('shares')
      .select(sql<number>`count(*)`.as('n'))
      .where('user_id', '=', share.user_id)
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= cap) return false;
    await trx.insertInto('shares').values(share).execute();
    return true;
  });
}

/** Revoke: the owner's share is deleted; anyone else's id changes nothing. */
export async function deleteShare(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('shares')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Freeze a followed reply into the snapshot, once: only while the share still follows that
 * message (two readers freezing at once write the same thing; the second changes nothing).
 */
export async function freezeShare(
  db: Kysely<Database>,
  id: string,
  liveMessageId: string,
  snapshot: string,
): Promise<void> {
  await db
    .updateTable('shares')
    .set({ snapshot, live_message_id: null })
    .where('id', '=', id)
    .where('live_message_id', '=', liveMessageId)
    .execute();
}
