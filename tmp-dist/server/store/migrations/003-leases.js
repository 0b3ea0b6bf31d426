// Scale-out: a run's owner renews its lease while it streams, so a surviving instance can tell a
// dead instance's runs from live ones; instances heartbeat so a second instance without Redis is
// noticed at startup.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema.alterTable('runs').addColumn('lease_until', 'varchar(32)').execute();
    await db.schema
        .createTable('instances')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('last_seen_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('redis', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.dropTable('instances').ifExists().execute();
    await db.schema.alterTable('runs').dropColumn('lease_until').execute();
}
