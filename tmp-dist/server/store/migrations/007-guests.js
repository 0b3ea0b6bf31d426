// Guests (GUEST_ACCESS=on): each anonymous browser of the seed routes is a user row of its own;
// this table marks which users are guests and when each was last seen, so idle ones are purged.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema
        .createTable('guests')
        .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('last_seen_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema.createIndex('guests_last_seen').on('guests').column('last_seen_at').execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.dropTable('guests').ifExists().execute();
}
