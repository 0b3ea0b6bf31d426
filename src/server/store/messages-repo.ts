import { type Kysely, sql } from 'kysely';
import type { Database, Dialect, MessageRow, MessageStatus, MessageUpdate, NewMessage } from './schema.js';

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

/** A message by id; access is checked through its conversation (chat/access.ts requireMessage). */
export async function messageById(db: Kysely<Database>, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
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

/** One message of a page, already in its API form (`MessageDto` as JSON text), and its id. */
export interface MessageJson {
  id: string;
  json: string;
}

/**
 * `messagesBefore`, each row already turned into the API's JSON by the database (`messageDto` of
 * chat/serialize.ts, the same fields and values; test/message-page-json.test.ts holds the two
 * together). Reading a page this way skips making a JS object of every column of every row and
 * serializing it again, which was most of the cost of a page read.
 */
export async function messagePageJson(
  db: Kysely<Database>,
  dialect: Dialect,
  conversationId: string,
  limit: number,
  before?: string,
): Promise<MessageJson[]> {
  let query = db
    .selectFrom('messages')
    .select(['id', (dialect === 'sqlite' ? SQLITE_MESSAGE_JSON : POSTGRES_MESSAGE_JSON).as('json')])
    .where('conversation_id', '=', conversationId);
  if (before) query = query.where('id', '<', before);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * The seed's `/chat/history` entries (`{user, message, timestamp}`, newest first), as JSON text
 * made by the database, like messagePageJson.
 */
export async function seedHistoryJson(
  db: Kysely<Database>,
  dialect: Dialect,
  conversationId: string,
  limit: number,
): Promise<string[]> {
  const entry =
    dialect === 'sqlite'
      ? sql<string>`json_object('user', case when role = 'user' then 'User' else 'AI' end, 'message', content, 'timestamp', created_at)`
      : sql<string>`json_build_object('user', case when role = 'user' then 'User' else 'AI' end, 'message', content, 'timestamp', created_at)::text`;
  const rows = await db
    .selectFrom('messages')
    .select(entry.as('json'))
    .where('conversation_id', '=', conversationId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.json);
}

// A text-only message stores no parts: its parts are one text part (none when it is empty), as in
// messagePartsOf (chat/message-parts.ts).
const SQLITE_MESSAGE_JSON = sql<string>`json_object(
  'id', id, 'conversationId', conversation_id, 'parentId', parent_id, 'role', role, 'content', content,
  'parts', case when parts is not null then json(parts) when content = '' then json('[]')
    else json_array(json_object('type', 'text', 'text', content)) end,
  'status', status, 'model', model,
  'usage', json_object('inputTokens', input_tokens, 'outputTokens', output_tokens),
  'finishReason', finish_reason, 'error', error, 'createdAt', created_at, 'updatedAt', updated_at)`;

const POSTGRES_MESSAGE_JSON = sql<string>`json_build_object(
  'id', id, 'conversationId', conversation_id, 'parentId', parent_id, 'role', role, 'content', content,
  'parts', case when parts is not null then parts::json when content = '' then '[]'::json
    else json_build_array(json_build_object('type', 'text', 'text', content)) end,
  'status', status, 'model', model,
  'usage', json_build_object('inputTokens', input_tokens, 'outputTokens', output_tokens),
  'finishReason', finish_reason, 'error', error, 'createdAt', created_at, 'updatedAt', updated_at)::text`;

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

/**
 * Claim a reply for `continue`: the transition (one of `from`) → streaming, done in one guarded
 * UPDATE so that of parallel requests exactly one wins. A `complete` reply qualifies only when it
 * was cut off at the length limit. Returns the claimed row as it now is (its current text is the
 * prefix to continue), or undefined when the reply was not continuable (already claimed, still
 * streaming, complete). Throws a unique violation (see isSecondStreamingReply) when another reply
 * to the same user message streams.
 */
export async function claimForContinue(
  db: Kysely<Database>,
  userId: string,
  id: string,
  from: readonly MessageStatus[],
  at: string,
): Promise<MessageRow | undefined> {
  return db
    .updateTable('messages')
    .set({ status: 'streaming', error: null, finish_reason: null, updated_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('role', '=', 'assistant')
    .where('status', 'in', from)
    .where((eb) => eb.or([eb('status', '!=', 'complete'), eb('finish_reason', '=', 'length')]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * True when the database refused a second streaming reply to one user message (the unique index
 * messages_one_streaming_reply, migration 009): a parallel `regenerate`/`continue` got there first.
 */
export function isSecondStreamingReply(error: unknown): boolean {
  const { code, constraint, message } = (error ?? {}) as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  if (code === '23505') return constraint === 'messages_one_streaming_reply';
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes('messages.parent_id')
  );
}

/**
 * A run's final write of its reply: text, status and usage, while the reply's status is one of
 * `from`. Only while this run still owns the message: if the run was declared lost (its lease
 * lapsed) and a newer run has since claimed the message, that run's text must not be overwritten
 * with this one's.
 */
export async function saveRunResult(
  db: Kysely<Database>,
  id: string,
  runId: string,
  from: readonly MessageStatus[],
  patch: MessageUpdate & { status: MessageStatus },
): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set(patch)
    .where('id', '=', id)
    .where('status', 'in', from)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('runs').select('id').where('message_id', '=', id).where('id', '>', runId))),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * A checkpoint of a streaming reply's text. Only while it is still streaming: a late checkpoint
 * must never overwrite the final text (saveRunResult) or revive a reply that has ended.
 */
export async function checkpointReplyText(
  db: Kysely<Database>,
  id: string,
  content: string,
  parts: string | null,
  now: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ content, parts, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'streaming')
    .execute();
}

/**
 * Startup recovery: replies that were streaming (`from`) when the process died become
 * `interrupted`. Only the status changes: the text checkpointed so far stays, as what the user saw
 * (up to a second old).
 */
export async function interruptStreamingMessages(
  db: Kysely<Database>,
  from: readonly MessageStatus[],
  now: string,
): Promise<number> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'interrupted', updated_at: now })
    .where('status', 'in', from)
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

/**
 * Write a waiting reply's parts with answers to its approvals, and its status (`waiting` while
 * others remain open, `streaming` when the answer resumes it, `stopped` when it is closed
 * unanswered: expiry, a stop), only if its parts are still
 * `expectedParts`: a compare-and-set, so of parallel answers each lands once or re-reads.
 */
export async function answerApprovals(
  db: Kysely<Database>,
  id: string,
  expectedParts: string,
  parts: string,
  status: 'waiting' | 'streaming' | 'stopped',
  now: string,
): Promise<MessageRow | undefined> {
  return db
    .updateTable('messages')
    .set({ parts, status, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'waiting')
    .where('parts', '=', expectedParts)
    .returningAll()
    .executeTakeFirst();
}

/** A conversation's replies paused on approvals, newest first (a handful at most in practice). */
export async function waitingReplies(
  db: Kysely<Database>,
  conversationId: string,
  limit: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'waiting')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Replies whose approvals were left unanswered since before `before` (they expire), oldest first. */
export async function expiredWaitingReplies(
  db: Kysely<Database>,
  before: string,
  limit: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('status', '=', 'waiting')
    .where('updated_at', '<', before)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}
