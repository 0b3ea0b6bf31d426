import { SqliteAdapter, sql } from 'kysely';
/**
 * Full-text search over message text and conversation titles. The two dialects index differently
 * (this file and search-repo.ts are the only places that know), but they agree on what is
 * searchable: a message once it is no longer `streaming` (checkpoints, about once a second per
 * running reply, never touch the index), and a conversation's title.
 *
 * SQLite: `search_docs` holds one row per searchable text (kind 'message' | 'title') with a stable
 * integer key, and the FTS5 table `search_fts` indexes it as external content. Triggers on
 * messages and conversations keep search_docs current; triggers on search_docs keep the FTS index
 * current. Deleting a conversation cascades to its search_docs rows (foreign key), and the
 * search_docs delete trigger takes them out of the index. search_docs is a copy of the text rather
 * than pointing FTS5 at `messages` directly because `messages` has a text primary key, and the
 * implicit rowid FTS5 would key on may be renumbered by VACUUM.
 *
 * PostgreSQL: GIN expression indexes on to_tsvector('simple', ...), partial on status so the
 * checkpoint updates of a streaming reply skip the index. 'simple' (no stemming, no stop words)
 * because conversations are in any language. Creating the indexes indexes the existing rows.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    if (db.getExecutor().adapter instanceof SqliteAdapter)
        await upSqlite(db);
    else
        await upPostgres(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upSqlite(db) {
    const statements = [
        sql `create table search_docs (
      doc_id integer primary key,
      kind text not null,
      ref_id text not null,
      conversation_id text not null references conversations(id) on delete cascade,
      user_id text not null,
      role text,
      body text not null,
      created_at text not null,
      unique (kind, ref_id)
    )`,
        // The foreign key's cascade looks rows up by conversation.
        sql `create index search_docs_conversation on search_docs (conversation_id)`,
        sql `create virtual table search_fts using fts5(
      body, content='search_docs', content_rowid='doc_id', tokenize='unicode61 remove_diacritics 2'
    )`,
        sql `create trigger search_docs_ai after insert on search_docs begin
      insert into search_fts (rowid, body) values (new.doc_id, new.body);
    end`,
        sql `create trigger search_docs_ad after delete on search_docs begin
      insert into search_fts (search_fts, rowid, body) values ('delete', old.doc_id, old.body);
    end`,
        sql `create trigger search_docs_au after update on search_docs begin
      insert into search_fts (search_fts, rowid, body) values ('delete', old.doc_id, old.body);
      insert into search_fts (rowid, body) values (new.doc_id, new.body);
    end`,
        sql `create trigger messages_search_ai after insert on messages
    when new.status <> 'streaming' and new.content <> '' begin
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      values ('message', new.id, new.conversation_id, new.user_id, new.role, new.content, new.created_at);
    end`,
        // Fires when a reply starts or stops streaming, or finished text changes; a checkpoint of a
        // streaming reply (streaming -> streaming) does nothing. Delete + insert rather than
        // INSERT OR REPLACE: REPLACE's implicit delete would not fire search_docs_ad.
        sql `create trigger messages_search_au after update of content, status on messages
    when (new.status = 'streaming') <> (old.status = 'streaming')
      or (new.status <> 'streaming' and new.content is not old.content) begin
      delete from search_docs where kind = 'message' and ref_id = old.id;
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      select 'message', new.id, new.conversation_id, new.user_id, new.role, new.content, new.created_at
      where new.status <> 'streaming' and new.content <> '';
    end`,
        sql `create trigger messages_search_ad after delete on messages begin
      delete from search_docs where kind = 'message' and ref_id = old.id;
    end`,
        sql `create trigger conversations_search_ai after insert on conversations
    when new.title is not null and new.title <> '' begin
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      values ('title', new.id, new.id, new.user_id, null, new.title, new.created_at);
    end`,
        sql `create trigger conversations_search_au after update of title on conversations
    when new.title is not old.title begin
      delete from search_docs where kind = 'title' and ref_id = old.id;
      insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      select 'title', new.id, new.id, new.user_id, null, new.title, new.created_at
      where new.title is not null and new.title <> '';
    end`,
        // Backfill: the search_docs insert trigger indexes these too.
        sql `insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      select 'message', id, conversation_id, user_id, role, content, created_at from messages
      where status <> 'streaming' and content <> ''`,
        sql `insert into search_docs (kind, ref_id, conversation_id, user_id, role, body, created_at)
      select 'title', id, id, user_id, null, title, created_at from conversations
      where title is not null and title <> ''`,
    ];
    for (const statement of statements)
        await statement.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upPostgres(db) {
    // The expressions and predicates must stay identical to the ones in search-repo.ts, or the
    // planner will not use these indexes.
    await sql `create index messages_content_search on messages
    using gin (to_tsvector('simple', content)) where status <> 'streaming'`.execute(db);
    await sql `create index conversations_title_search on conversations
    using gin (to_tsvector('simple', title)) where title is not null`.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
        for (const trigger of [
            'conversations_search_au',
            'conversations_search_ai',
            'messages_search_ad',
            'messages_search_au',
            'messages_search_ai',
        ]) {
            await sql `drop trigger if exists ${sql.id(trigger)}`.execute(db);
        }
        await sql `drop table if exists search_fts`.execute(db);
        await sql `drop table if exists search_docs`.execute(db);
    }
    else {
        await sql `drop index if exists conversations_title_search`.execute(db);
        await sql `drop index if exists messages_content_search`.execute(db);
    }
}
