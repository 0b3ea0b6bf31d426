import { type Kysely, sql } from 'kysely';
import type { Database, MessageRow, MessageUpdate, NewMessage } from './schema.js';

export async function insertMessage(db: Kysely<Database>, row: NewMessage): Promise<MessageRow> {
  await db.insertInto('messages').values(row).execute();
  return {
    parent_id: null,
    model: null,
    input_tokens: null,
    output_tokens: null,
    finish_reason: null,
    error: null,
    ...row,
  } as MessageRow;
}

export async function findMessage(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findMessageInConversation(
  db: Kysely<Database>,
  conversationId: string,
  id: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The newest message of a conversation: where a new message attaches when no parent is named. */
export async function newestMessage(
  db: Kysely<Database>,
  conversationId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Newest first, `limit` rows strictly older than `before` (a message id) when given. */
export async function messagesBefore(
  db: Kysely<Database>,
  conversationId: string,
  limit: number,
  before?: string,
): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/** PostgreSQL types the running count as a 32-bit integer; no real branch comes near this. */
const MAX_BRANCH_CHARS = 2_000_000_000;

/**
 * The branch that ends at `leafId`, root first: the messages a model sees as the conversation.
 * Walks parent links in the database (WITH RECURSIVE works in SQLite and PostgreSQL alike).
 * The walk stops after `maxDepth` parents, or once the messages read hold `maxChars` characters:
 * a prompt only needs what fits the model's context window, and reading a long branch whole was
 * most of a turn's database time.
 */
export async function branchTo(
  db: Kysely<Database>,
  leafId: string,
  maxDepth = 10_000,
  maxChars = MAX_BRANCH_CHARS,
): Promise<MessageRow[]> {
  const result = await sql<MessageRow & { depth: number }>`
    with recursive branch(id, parent_id, depth, chars) as (
      select id, parent_id, 0, length(content) from messages where id = ${leafId}
      union all
      select m.id, m.parent_id, branch.depth + 1, branch.chars + length(m.content)
      from messages m join branch on m.id = branch.parent_id
      where branch.depth < ${maxDepth} and branch.chars < ${Math.min(maxChars, MAX_BRANCH_CHARS)}
    )
    select messages.*, branch.depth from branch join messages on messages.id = branch.id
    order by branch.depth desc`.execute(db);
  return result.rows.map(({ depth: _depth, ...row }) => row as MessageRow);
}

export async function updateMessage(db: Kysely<Database>, id: string, patch: MessageUpdate): Promise<void> {
  await db.updateTable('messages').set(patch).where('id', '=', id).execute();
}

/** Startup recovery: replies that were streaming when the process died become `interrupted`. */
export async function interruptStreamingMessages(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'interrupted', updated_at: now })
    .where('status', '=', 'streaming')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function firstUserMessage(
  db: Kysely<Database>,
  conversationId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('role', '=', 'user')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}
