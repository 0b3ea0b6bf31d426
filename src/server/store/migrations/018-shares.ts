import type { Kysely } from 'kysely';

/**
 * Share links (issue 18): a read-only snapshot of a conversation's current branch, readable at
 * `/s/<id>` by anyone with the link (`public`) or by any signed-in user (`users`). The id is the
 * secret (128+ random bits), so it is the primary key and never derived from anything else.
 *
 * - `snapshot`: the title and the branch's messages as JSON, frozen at share time; bounded in size
 *   by the service (share-service.ts).
 * - `live_message_id`: a reply still streaming when the link was made; readers see it grow (read
 *   from the live row) until it ends, then it is frozen into `snapshot` and this is cleared.
 * - Deleting the conversation or the account deletes its shares (cascades); revoking deletes the row.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shares')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('conversation_id', 'varchar(64)', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('visibility', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('message_count', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('live_message_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('shares_user').on('shares').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('shares_conversation').on('shares').column('conversation_id').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('shares').ifExists().execute();
}
