import { SqliteAdapter, sql } from 'kysely';
/**
 * 1. Search scoped to its owner inside the index (issue 13). Migration 004 indexed every user's
 *    text in one index and filtered by owner after matching, so each query paid for every user's
 *    rows. Now the owner is a term of the index and every query matches it together with the
 *    words, so the engine walks the caller's rows only:
 *    - SQLite: search_fts gains an `owner` column ('u' || hex(user_id): one token whatever the id
 *      looks like, read from a generated column of search_docs so 'rebuild' sees it too) and
 *      prefix indexes for 2- and 3-letter prefixes (their expansions are the costly ones).
 *    - PostgreSQL: the GIN expressions gain the lexeme 'u' || md5(user_id); search-repo.ts ANDs
 *      it into the query, and GIN's fast scan skips other users' entries.
 * 2. Stored bytes per user (STORAGE_QUOTA_MB), kept by triggers in the statement that writes, so
 *    every writer (chat, import, delete) keeps it right without knowing about it: UTF-8 bytes of
 *    message content plus conversation titles and system prompts. `import_*` hold the per-user
 *    import claim and rate window: see storage-repo.ts.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    await db.schema
        .createTable('user_storage')
        .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('bytes', sqlite ? 'integer' : 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('import_claimed_until', 'varchar(32)')
        .addColumn('import_window_start', 'varchar(32)')
        .addColumn('import_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    if (sqlite)
        await upSqlite(db);
    else
        await upPostgres(db);
}
const SQLITE_OWNER = (row) => sql.raw(`'u' || hex(${row}.user_id)`);
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upSqlite(db) {
    const statements = [
        sql `drop trigger search_docs_ai`,
        sql `drop trigger search_docs_ad`,
        sql `drop trigger search_docs_au`,
        sql `drop table search_fts`,
        sql `alter table search_docs add column owner text generated always as ('u' || hex(user_id)) virtual`,
        sql `create virtual table search_fts using fts5(
      owner, body, content='search_docs', content_rowid='doc_id',
      tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )`,
        sql `create trigger search_docs_ai after insert on search_docs begin
      insert into search_fts (rowid, owner, body) values (new.doc_id, ${SQLITE_OWNER('new')}, new.body);
    end`,
        sql `create trigger search_docs_ad after delete on search_docs begin
      insert into search_fts (search_fts, rowid, owner, body)
      values ('delete', old.doc_id, ${SQLITE_OWNER('old')}, old.body);
    end`,
        sql `create trigger search_docs_au after update on search_docs begin
      insert into search_fts (search_fts, rowid, owner, body)
      values ('delete', old.doc_id, ${SQLITE_OWNER('old')}, old.body);
      insert into search_fts (rowid, owner, body) values (new.doc_id, ${SQLITE_OWNER('new')}, new.body);
    end`,
        sql `insert into search_fts (search_fts) values ('rebuild')`,
        // Stored bytes. length(cast(... as blob)) counts UTF-8 bytes, as octet_length does below;
        // one pass over each table (users without rows start at 0 when they first write).
        sql `insert into user_storage (user_id, bytes)
      select user_id, sum(bytes) from (
        select user_id, length(cast(content as blob)) as bytes from messages
        union all
        select user_id, length(cast(coalesce(title, '') || coalesce(system_prompt, '') as blob)) from conversations
      ) stored group by user_id`,
        sql `create trigger messages_storage_ai after insert on messages begin
      insert or ignore into user_storage (user_id, bytes) values (new.user_id, 0);
      update user_storage set bytes = bytes + length(cast(new.content as blob)) where user_id = new.user_id;
    end`,
        sql `create trigger messages_storage_au after update of content on messages
    when new.content is not old.content begin
      update user_storage
      set bytes = bytes + length(cast(new.content as blob)) - length(cast(old.content as blob))
      where user_id = new.user_id;
    end`,
        sql `create trigger messages_storage_ad after delete on messages begin
      update user_storage set bytes = bytes - length(cast(old.content as blob)) where user_id = old.user_id;
    end`,
        sql `create trigger conversations_storage_ai after insert on conversations begin
      insert or ignore into user_storage (user_id, bytes) values (new.user_id, 0);
      update user_storage
      set bytes = bytes + length(cast(coalesce(new.title, '') || coalesce(new.system_prompt, '') as blob))
      where user_id = new.user_id;
    end`,
        sql `create trigger conversations_storage_au after update of title, system_prompt on conversations begin
      update user_storage
      set bytes = bytes + length(cast(coalesce(new.title, '') || coalesce(new.system_prompt, '') as blob))
        - length(cast(coalesce(old.title, '') || coalesce(old.system_prompt, '') as blob))
      where user_id = new.user_id;
    end`,
        sql `create trigger conversations_storage_ad after delete on conversations begin
      update user_storage
      set bytes = bytes - length(cast(coalesce(old.title, '') || coalesce(old.system_prompt, '') as blob))
      where user_id = old.user_id;
    end`,
    ];
    for (const statement of statements)
        await statement.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upPostgres(db) {
    const statements = [
        // The expressions and predicates must stay identical to the ones in search-repo.ts, or the
        // planner will not use these indexes.
        sql `drop index if exists messages_content_search`,
        sql `drop index if exists conversations_title_search`,
        sql `create index messages_owner_content_search on messages using gin (
      (to_tsvector('simple', content) || to_tsvector('simple', 'u' || md5(user_id)))
    ) where status <> 'streaming'`,
        sql `create index conversations_owner_title_search on conversations using gin (
      (to_tsvector('simple', title) || to_tsvector('simple', 'u' || md5(user_id)))
    ) where title is not null`,
        sql `insert into user_storage (user_id, bytes)
      select user_id, sum(bytes) from (
        select user_id, octet_length(content) as bytes from messages
        union all
        select user_id, octet_length(coalesce(title, '') || coalesce(system_prompt, '')) from conversations
      ) stored group by user_id`,
    ];
    for (const statement of statements)
        await statement.execute(db);
    // Statement-level triggers with transition tables: a batch insert of 500 messages updates each
    // owner's counter once, not 500 times. PostgreSQL allows transition tables only on single-event
    // triggers without column lists, hence one function per table and event.
    const tables = [
        { table: 'messages', key: 'id', size: `octet_length(%.content)` },
        {
            table: 'conversations',
            key: 'id',
            size: `octet_length(coalesce(%.title, '') || coalesce(%.system_prompt, ''))`,
        },
    ];
    for (const { table, key, size } of tables) {
        const of = (alias) => size.replaceAll('%', alias);
        await sql
            .raw(`create function parley_${table}_storage_insert() returns trigger language plpgsql as $$
      begin
        insert into user_storage (user_id, bytes)
        select n.user_id, sum(${of('n')}) from new_rows n group by n.user_id
        on conflict (user_id) do update set bytes = user_storage.bytes + excluded.bytes;
        return null;
      end $$`)
            .execute(db);
        await sql
            .raw(`create function parley_${table}_storage_update() returns trigger language plpgsql as $$
      begin
        update user_storage s set bytes = s.bytes + d.delta
        from (
          select n.user_id, sum(${of('n')} - ${of('o')}) as delta
          from new_rows n join old_rows o on o.${key} = n.${key}
          group by n.user_id
        ) d
        where s.user_id = d.user_id and d.delta <> 0;
        return null;
      end $$`)
            .execute(db);
        await sql
            .raw(`create function parley_${table}_storage_delete() returns trigger language plpgsql as $$
      begin
        update user_storage s set bytes = s.bytes - d.bytes
        from (select o.user_id, sum(${of('o')}) as bytes from old_rows o group by o.user_id) d
        where s.user_id = d.user_id;
        return null;
      end $$`)
            .execute(db);
        await sql
            .raw(`create trigger ${table}_storage_insert after insert on ${table}
        referencing new table as new_rows for each statement
        execute function parley_${table}_storage_insert()`)
            .execute(db);
        await sql
            .raw(`create trigger ${table}_storage_update after update on ${table}
        referencing old table as old_rows new table as new_rows for each statement
        execute function parley_${table}_storage_update()`)
            .execute(db);
        await sql
            .raw(`create trigger ${table}_storage_delete after delete on ${table}
        referencing old table as old_rows for each statement
        execute function parley_${table}_storage_delete()`)
            .execute(db);
    }
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
        for (const trigger of [
            'messages_storage_ai',
            'messages_storage_au',
            'messages_storage_ad',
            'conversations_storage_ai',
            'conversations_storage_au',
            'conversations_storage_ad',
            'search_docs_ai',
            'search_docs_ad',
            'search_docs_au',
        ]) {
            await sql `drop trigger if exists ${sql.id(trigger)}`.execute(db);
        }
        // Back to migration 004's index.
        await sql `drop table if exists search_fts`.execute(db);
        await sql `alter table search_docs drop column owner`.execute(db);
        for (const statement of [
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
            sql `insert into search_fts (search_fts) values ('rebuild')`,
        ]) {
            await statement.execute(db);
        }
    }
    else {
        for (const table of ['messages', 'conversations']) {
            for (const event of ['insert', 'update', 'delete']) {
                await sql.raw(`drop trigger if exists ${table}_storage_${event} on ${table}`).execute(db);
                await sql.raw(`drop function if exists parley_${table}_storage_${event}()`).execute(db);
            }
        }
        await sql `drop index if exists messages_owner_content_search`.execute(db);
        await sql `drop index if exists conversations_owner_title_search`.execute(db);
        await sql `create index messages_content_search on messages
      using gin (to_tsvector('simple', content)) where status <> 'streaming'`.execute(db);
        await sql `create index conversations_title_search on conversations
      using gin (to_tsvector('simple', title)) where title is not null`.execute(db);
    }
    await db.schema.dropTable('user_storage').ifExists().execute();
}
