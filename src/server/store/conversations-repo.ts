import type { Kysely } from 'kysely';
import type { ConversationRow, ConversationUpdate, Database, NewConversation } from './schema.js';

export interface ConversationCursor {
  /** 1 while the previous page ended among the pinned conversations (they are listed first). */
  pinned: number;
  updatedAt: string;
  id: string;
}

/** Which of the user's conversations a list shows: archived ones or the others, one folder or all. */
export interface ConversationFilter {
  archived: boolean;
  folderId?: string;
}

export async function insertConversation(
  db: Kysely<Database>,
  row: NewConversation,
): Promise<ConversationRow> {
  await db.insertInto('conversations').values(row).execute();
  return {
    title: null,
    system_prompt: null,
    folder_id: null,
    pinned: 0,
    archived: 0,
    temperature: null,
    max_output_tokens: null,
    ...row,
    is_default: row.is_default ?? 0,
  } as ConversationRow;
}

/**
 * A conversation by id, whoever owns it: access is decided by the policy (chat/access.ts), which
 * every route goes through. Not for answering a request without that check.
 */
export async function conversationById(
  db: Kysely<Database>,
  id: string,
): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The owner's conversation `id`: the re-read after an owner-scoped write (see updateConversation). */
export async function findConversation(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<ConversationRow | undefined> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The user's own default conversation (the seed API's): owner-scoped by definition, like the list. */
export async function findDefaultConversation(
  db: Kysely<Database>,
  userId: string,
): Promise<ConversationRow | undefined> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('is_default', '=', 1)
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * The user's own conversations, pinned first, then most recently active first; `after` is the last
 * row of the previous page. Owner-scoped by design: the list answers "which are mine" (see
 * chat/access.ts).
 */
export async function listConversations(
  db: Kysely<Database>,
  userId: string,
  limit: number,
  after?: ConversationCursor,
  filter: ConversationFilter = { archived: false },
): Promise<ConversationRow[]> {
  let query = db
    .selectFrom('conversations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('archived', '=', filter.archived ? 1 : 0);
  if (filter.folderId !== undefined) query = query.where('folder_id', '=', filter.folderId);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('pinned', '<', after.pinned),
        eb.and([
          eb('pinned', '=', after.pinned),
          eb.or([
            eb('updated_at', '<', after.updatedAt),
            eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)]),
          ]),
        ]),
      ]),
    );
  }
  return query
    .orderBy('pinned', 'desc')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Owner-scoped writes: callers have already passed the access policy (chat/access.ts); the
 * `user_id` filter stays as a second wall, so a missed check still changes nothing.
 */
export async function updateConversation(
  db: Kysely<Database>,
  userId: string,
  id: string,
  patch: ConversationUpdate,
): Promise<ConversationRow | undefined> {
  await db
    .updateTable('conversations')
    .set(patch)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .execute();
  return findConversation(db, userId, id);
}

/**
 * Compare-and-set on the title: writes `title` only while the title is still `expected`, so a
 * rename that landed meanwhile always wins over a machine-written title. Undefined: not replaced.
 */
export async function replaceTitle(
  db: Kysely<Database>,
  userId: string,
  id: string,
  expected: string | null,
  title: string,
): Promise<ConversationRow | undefined> {
  const result = await db
    .updateTable('conversations')
    .set({ title })
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .where((eb) => (expected === null ? eb('title', 'is', null) : eb('title', '=', expected)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0 ? findConversation(db, userId, id) : undefined;
}

export async function touchConversation(db: Kysely<Database>, id: string, now: string): Promise<void> {
  await db.updateTable('conversations').set({ updated_at: now }).where('id', '=', id).execute();
}

export async function deleteConversation(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('conversations')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
