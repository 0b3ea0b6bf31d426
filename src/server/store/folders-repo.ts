import { type Kysely, sql } from 'kysely';
import type { ConversationUpdate, Database, Dialect, FolderRow } from './schema.js';

/**
 * A user's folders and the organising writes on conversations (file, pin, archive, bulk). Every
 * query is owner-scoped: a folder or conversation of someone else is simply not found.
 */

export async function listFolders(db: Kysely<Database>, userId: string, limit: number): Promise<FolderRow[]> {
  return db
    .selectFrom('folders')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function findFolder(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<FolderRow | undefined> {
  return db
    .selectFrom('folders')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Whether the user's folder `id` exists, and keep it so until the transaction `db` ends: moving
 * conversations into a folder checks it here, in the same transaction as the move, so a delete at
 * the same moment cannot slip between the check and the write (that failed the foreign key: a 500).
 * PostgreSQL takes the lock a foreign key check takes (FOR KEY SHARE): a concurrent delete waits
 * for the move and then unfiles what it moved; a delete that committed first leaves nothing to find.
 * SQLite runs one writer at a time, so nothing can come between.
 */
export async function claimFolder(
  db: Kysely<Database>,
  dialect: Dialect,
  userId: string,
  id: string,
): Promise<boolean> {
  let query = db.selectFrom('folders').select('id').where('user_id', '=', userId).where('id', '=', id);
  if (dialect === 'postgres') query = query.forKeyShare();
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * Add a folder unless the user has `cap` already. The user's row is locked first on PostgreSQL so
 * two creations at once cannot both see room for one more (SQLite runs one writer at a time).
 */
export async function insertFolderUnderCap(
  db: Kysely<Database>,
  dialect: Dialect,
  folder: FolderRow,
  cap: number,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      await trx.selectFrom('users').select('id').where('id', '=', folder.user_id).forUpdate().execute();
    }
    const row = await trx
      .selectFrom('folders')
      .select(sql<number>`count(*)`.as('n'))
      .where('user_id', '=', folder.user_id)
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= cap) return false;
    await trx.insertInto('folders').values(folder).execute();
    return true;
  });
}

export async function renameFolder(
  db: Kysely<Database>,
  userId: string,
  id: string,
  name: string,
  at: string,
): Promise<FolderRow | undefined> {
  await db
    .updateTable('folders')
    .set({ name, updated_at: at })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .execute();
  return findFolder(db, userId, id);
}

/** Delete a folder; its conversations stay, unfiled (the foreign key sets their folder_id to NULL). */
export async function deleteFolder(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('folders')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** How many of `ids` (distinct) are the user's conversations. */
export async function countOwnConversations(
  db: Kysely<Database>,
  userId: string,
  ids: readonly string[],
): Promise<number> {
  const row = await db
    .selectFrom('conversations')
    .select(sql<number>`count(*)`.as('n'))
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Apply `patch` to the user's conversations `ids` (distinct); the number changed. Callers run it
 * in a transaction and roll back unless it is all of them (all or nothing).
 */
export async function updateOwnConversations(
  db: Kysely<Database>,
  userId: string,
  ids: readonly string[],
  patch: Pick<ConversationUpdate, 'archived' | 'folder_id'>,
): Promise<number> {
  const result = await db
    .updateTable('conversations')
    .set(patch)
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Delete the user's conversations `ids` (distinct); the number deleted (see updateOwnConversations). */
export async function deleteOwnConversations(
  db: Kysely<Database>,
  userId: string,
  ids: readonly string[],
): Promise<number> {
  const result = await db
    .deleteFrom('conversations')
    .where('user_id', '=', userId)
    .where('id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
