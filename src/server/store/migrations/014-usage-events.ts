import type { Kysely } from 'kysely';

// Usage events: one row per finished run and per /v1 completion, with its tokens and its cost at
// the price of the moment (millionths of a dollar; NULL when the model has no known price). Reports
// read ranges of UTC days, for everyone (day) or for one user (user_id, day). A user's events go
// with the user; an API token's id is kept as written (a revoked token's usage stays counted).
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('usage_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('api_token_id', 'varchar(64)')
    .addColumn('model', 'varchar(255)', (c) => c.notNull())
    .addColumn('provider', 'varchar(255)', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_micros', 'bigint')
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_events_day').on('usage_events').column('day').execute();
  await db.schema
    .createIndex('usage_events_user_day')
    .on('usage_events')
    .columns(['user_id', 'day'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_events').ifExists().execute();
}
