import { type Kysely, sql } from 'kysely';

// Tools: a conversation names the tools its replies may call (a JSON array of `<server>/<tool>`
// ids; NULL: none), and a reply can pause on approvals (`status = 'waiting'`). The partial index
// serves the sweep that expires unanswered approvals without scanning every message.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('tools', 'text').execute();
  await sql`create index messages_waiting on messages (updated_at) where status = 'waiting'`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_waiting').ifExists().execute();
  await db.schema.alterTable('conversations').dropColumn('tools').execute();
}
