import { type Kysely, sql } from 'kysely';

// Teams: groups of users with a shared token quota and the models and tools they may use; each
// membership says whether an admin made it or the OpenID provider's groups claim did (`oidc`
// memberships follow the claim at every sign-in). API tokens gain an optional daily token budget,
// checked against their own usage events (hence the index). Usage events gain the time to first
// token and whether the call failed, for the console's per-model TTFT and error-rate charts.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('groups')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('token_quota_daily', 'bigint')
    .addColumn('token_quota_monthly', 'bigint')
    .addColumn('models', 'text')
    .addColumn('tools', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  // Names are unique whatever their case ("Research" and "research" are one group): the index
  // settles two admins creating them at the same moment.
  await db.schema
    .createIndex('groups_name_lower')
    .on('groups')
    .unique()
    .expression(sql`lower(name)`)
    .execute();
  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('source', 'varchar(16)', (c) => c.notNull().defaultTo('admin'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();
  await db.schema.alterTable('api_tokens').addColumn('daily_token_budget', 'bigint').execute();
  await db.schema
    .createIndex('usage_events_token_day')
    .on('usage_events')
    .columns(['api_token_id', 'day'])
    .execute();
  await db.schema.alterTable('usage_events').addColumn('ttft_ms', 'integer').execute();
  await db.schema
    .alterTable('usage_events')
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('usage_events_model_day')
    .on('usage_events')
    .columns(['model', 'day'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usage_events_model_day').ifExists().execute();
  await db.schema.alterTable('usage_events').dropColumn('failed').execute();
  await db.schema.alterTable('usage_events').dropColumn('ttft_ms').execute();
  await db.schema.dropIndex('usage_events_token_day').ifExists().execute();
  await db.schema.alterTable('api_tokens').dropColumn('daily_token_budget').execute();
  await db.schema.dropTable('group_members').ifExists().execute();
  await db.schema.dropIndex('groups_name_lower').ifExists().execute();
  await db.schema.dropTable('groups').ifExists().execute();
}
