import type { Kysely } from 'kysely';

// Per-chat settings: the sampling temperature and the most tokens one reply may write. NULL in
// either: the provider's default (nothing is sent), which is every existing conversation. The
// temperature is a double: PostgreSQL's `real` is 4 bytes and would read 0.7 back as 0.699999988.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').addColumn('temperature', 'double precision').execute();
  await db.schema.alterTable('conversations').addColumn('max_output_tokens', 'integer').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('max_output_tokens').execute();
  await db.schema.alterTable('conversations').dropColumn('temperature').execute();
}
