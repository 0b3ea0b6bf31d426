import type { Kysely } from 'kysely';

// Organise: each user's folders, and conversations that can be pinned, archived and filed in one
// folder. Deleting a folder leaves its conversations in place (ON DELETE SET NULL), unfiled. The
// list reads "mine, archived or not, pinned first, most recent first" (and the same within one
// folder), so both are indexes.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('folders')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('folders_user').on('folders').columns(['user_id', 'name']).execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('folder_id', 'varchar(64)', (c) => c.references('folders.id').onDelete('set null'))
    .execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('conversations')
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('conversations_user_list')
    .on('conversations')
    .columns(['user_id', 'archived', 'pinned', 'updated_at', 'id'])
    .execute();
  await db.schema
    .createIndex('conversations_folder')
    .on('conversations')
    .columns(['folder_id', 'archived', 'pinned', 'updated_at', 'id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_folder').ifExists().execute();
  await db.schema.dropIndex('conversations_user_list').ifExists().execute();
  await db.schema.alterTable('conversations').dropColumn('archived').execute();
  await db.schema.alterTable('conversations').dropColumn('pinned').execute();
  // SQLite cannot drop a column with a REFERENCES clause; the unused column stays there.
  try {
    await db.schema.alterTable('conversations').dropColumn('folder_id').execute();
  } catch {
    // see above
  }
  await db.schema.dropTable('folders').ifExists().execute();
}
