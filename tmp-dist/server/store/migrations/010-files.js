import { SqliteAdapter, sql } from 'kysely';
/**
 * Files and message parts.
 *
 * - `messages.parts`: the message's ordered parts as JSON when it has more than text (files
 *   today). NULL means one text part holding `content`, which is what every existing row is: the
 *   old rows need no rewrite, and a text-only message does not store its text twice.
 * - `files`: one row per upload, owned by a user; `conversation_id` is set when a message first
 *   names it (an upload never sent is an orphan and expires). Its bytes live in the blob store
 *   under `blob_key` (and an image's thumbnail under `preview_key`); a document's extracted text
 *   is cached here, so a turn never extracts again.
 * - `file_blobs`: the bytes, for FILE_STORE=database.
 * - `blob_deletions`: an outbox. Deleting a files row, directly or by a cascade (a conversation
 *   or a user deleted), queues its keys here by trigger, and the sweeper removes the bytes from
 *   whichever blob store holds them. So no path that deletes rows can leak bytes.
 * - `user_storage.bytes` counts file sizes too (triggers), so STORAGE_QUOTA_MB covers uploads and
 *   imports together.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    const postgres = !(db.getExecutor().adapter instanceof SqliteAdapter);
    await db.schema.alterTable('messages').addColumn('parts', 'text').execute();
    await db.schema
        .createTable('files')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('conversation_id', 'text', (c) => c.references('conversations.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('preview_key', 'text')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('extracted_text', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    await db.schema.createIndex('files_user').on('files').columns(['user_id', 'id']).execute();
    await db.schema.createIndex('files_conversation').on('files').column('conversation_id').execute();
    await sql `create index files_orphans on files (created_at) where conversation_id is null`.execute(db);
    await db.schema
        .createTable('file_blobs')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('data', postgres ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .execute();
    await db.schema
        .createTable('blob_deletions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('queued_at', 'text', (c) => c.notNull())
        .execute();
    if (postgres)
        await upPostgres(db);
    else
        await upSqlite(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upSqlite(db) {
    const statements = [
        sql `create trigger files_blob_outbox after delete on files begin
      insert or ignore into blob_deletions (key, queued_at) values (old.blob_key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
      insert or ignore into blob_deletions (key, queued_at)
        select old.preview_key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where old.preview_key is not null;
    end`,
        sql `create trigger files_storage_ai after insert on files begin
      insert or ignore into user_storage (user_id, bytes) values (new.user_id, 0);
      update user_storage set bytes = bytes + new.size where user_id = new.user_id;
    end`,
        sql `create trigger files_storage_ad after delete on files begin
      update user_storage set bytes = bytes - old.size where user_id = old.user_id;
    end`,
    ];
    for (const statement of statements)
        await statement.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function upPostgres(db) {
    const statements = [
        sql.raw(`create function parley_files_delete() returns trigger language plpgsql as $$
      begin
        insert into blob_deletions (key, queued_at)
        select k, to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        from (select blob_key as k from old_rows union all
              select preview_key from old_rows where preview_key is not null) keys
        on conflict (key) do nothing;
        update user_storage s set bytes = s.bytes - d.bytes
        from (select o.user_id, sum(o.size) as bytes from old_rows o group by o.user_id) d
        where s.user_id = d.user_id;
        return null;
      end $$`),
        sql.raw(`create function parley_files_insert() returns trigger language plpgsql as $$
      begin
        insert into user_storage (user_id, bytes)
        select n.user_id, sum(n.size) from new_rows n group by n.user_id
        on conflict (user_id) do update set bytes = user_storage.bytes + excluded.bytes;
        return null;
      end $$`),
        sql.raw(`create trigger files_delete after delete on files
      referencing old table as old_rows for each statement execute function parley_files_delete()`),
        sql.raw(`create trigger files_insert after insert on files
      referencing new table as new_rows for each statement execute function parley_files_insert()`),
    ];
    for (const statement of statements)
        await statement.execute(db);
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.dropTable('blob_deletions').ifExists().execute();
    await db.schema.dropTable('file_blobs').ifExists().execute();
    await db.schema.dropTable('files').ifExists().execute();
    if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
        await sql `drop function if exists parley_files_delete()`.execute(db);
        await sql `drop function if exists parley_files_insert()`.execute(db);
    }
    await db.schema.alterTable('messages').dropColumn('parts').execute();
}
