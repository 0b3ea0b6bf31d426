import { SqliteAdapter, sql } from 'kysely';
/**
 * Search finds a message by the text of the documents it carries. `messages.attachment_text` holds
 * that text (written once, when the message is sent: the files' text is extracted at upload), and
 * the message's search entry covers `content` and it:
 * - SQLite: the search_docs triggers of migration 004 index `content || attachment_text`, and a
 *   message with files but no typed text is indexed too.
 * - PostgreSQL: the GIN index of migration 008 is rebuilt on the same expression; search-repo.ts
 *   repeats it verbatim so the planner uses the index.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema.alterTable('messages').addColumn('attachment_text', 'text').execute();
    if (db.getExecutor().adapter instanceof SqliteAdapter)
        await upSqlite(db);
    else
        await upPostgres(db);
}
const SQLITE_BODY = (row) => `${row}.content || coalesce(char(10) || ${row}.attachment_text, '')`;
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upSqlite(db) {
    const statements = [
        sql `drop trigger messages_search_ai`,
        sql `drop trigger messages_search_au`,
        sql.raw(`create trigger messages_search_ai after insert on messages
    when new.status <> 'streaming' and (new.content <> '' or new.attachment_text is not null) begin
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      values ('message', new.id, new.conversation_id, new.user_id, new.role, ${SQLITE_BODY('new')}, new.created_at);
    end`),
        sql.raw(`create trigger messages_search_au after update of content, status, attachment_text on messages
    when (new.status = 'streaming') <> (old.status = 'streaming')
      or (new.status <> 'streaming' and (new.content is not old.content or new.attachment_text is not old.attachment_text)) begin
      delete from search_docs where kind = 'message' and ref_id = old.id;
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      select 'message', new.id, new.conversation_id, new.user_id, new.role, ${SQLITE_BODY('new')}, new.created_at
      where new.status <> 'streaming' and (new.content <> '' or new.attachment_text is not null);
    end`),
    ];
    for (const statement of statements)
        await statement.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upPostgres(db) {
    await sql `drop index if exists messages_owner_content_search`.execute(db);
    await sql `create index messages_owner_content_search on messages using gin (
    (to_tsvector('simple', content || coalesce(' ' || attachment_text, '')) || to_tsvector('simple', 'u' || md5(user_id)))
  ) where status <> 'streaming'`.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    // Back to the index and triggers of migrations 004 and 008, which do not name the column.
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
        const statements = [
            sql `drop trigger messages_search_ai`,
            sql `drop trigger messages_search_au`,
            sql `create trigger messages_search_ai after insert on messages
      when new.status <> 'streaming' and new.content <> '' begin
        insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
        values ('message', new.id, new.conversation_id, new.user_id, new.role, new.content, new.created_at);
      end`,
            sql `create trigger messages_search_au after update of content, status on messages
      when (new.status = 'streaming') <> (old.status = 'streaming')
        or (new.status <> 'streaming' and new.content is not old.content) begin
        delete from search_docs where kind = 'message' and ref_id = old.id;
        insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
        select 'message', new.id, new.conversation_id, new.user_id, new.role, new.content, new.created_at
        where new.status <> 'streaming' and new.content <> '';
      end`,
        ];
        for (const statement of statements)
            await statement.execute(db);
    }
    else {
        await sql `drop index if exists messages_owner_content_search`.execute(db);
        await sql `create index messages_owner_content_search on messages using gin (
      (to_tsvector('simple', content) || to_tsvector('simple', 'u' || md5(user_id)))
    ) where status <> 'streaming'`.execute(db);
    }
    await db.schema.alterTable('messages').dropColumn('attachment_text').execute();
}
