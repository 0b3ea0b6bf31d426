// Accounts: passwords, disabling, per-user quotas, server-side sessions, API tokens, invites and
// durable token-usage counters (quotas must survive restarts).
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema.alterTable('users').addColumn('password_hash', 'varchar(300)').execute();
    await db.schema
        .alterTable('users')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    await db.schema.alterTable('users').addColumn('token_quota_daily', 'bigint').execute();
    await db.schema.alterTable('users').addColumn('token_quota_monthly', 'bigint').execute();
    await db.schema
        .createTable('sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('last_used_at', 'varchar(32)')
        .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
    await db.schema
        .createTable('invites')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('used_by', 'varchar(64)')
        .addColumn('used_at', 'varchar(32)')
        .execute();
    await db.schema
        .createTable('token_usage')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        // 'day:2026-11-24' or 'month:2026-11' (UTC)
        .addColumn('period', 'varchar(20)', (c) => c.notNull())
        .addColumn('tokens', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('token_usage_pk', ['user_id', 'period'])
        .execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    for (const table of ['token_usage', 'invites', 'api_tokens', 'sessions']) {
        await db.schema.dropTable(table).ifExists().execute();
    }
    for (const column of ['token_quota_monthly', 'token_quota_daily', 'disabled', 'password_hash']) {
        await db.schema.alterTable('users').dropColumn(column).execute();
    }
}
