// Account security: accounts waiting for approval (SIGNUP=approval), what a session list shows
// (device and last use), admin-issued one-time password reset links and the one-time setup code
// of a public install. Links and codes are stored as sha256 hashes only.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema
        .alterTable('users')
        .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    await db.schema.alterTable('sessions').addColumn('user_agent', 'varchar(200)').execute();
    await db.schema.alterTable('sessions').addColumn('last_seen_at', 'varchar(32)').execute();
    await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
    await db.schema
        .createTable('password_resets')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema.createIndex('password_resets_user').on('password_resets').column('user_id').execute();
    await db.schema
        .createTable('setup_codes')
        .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
        .execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.dropTable('setup_codes').ifExists().execute();
    await db.schema.dropTable('password_resets').ifExists().execute();
    await db.schema.dropIndex('sessions_expires').ifExists().execute();
    await db.schema.alterTable('sessions').dropColumn('last_seen_at').execute();
    await db.schema.alterTable('sessions').dropColumn('user_agent').execute();
    await db.schema.alterTable('users').dropColumn('pending').execute();
}
