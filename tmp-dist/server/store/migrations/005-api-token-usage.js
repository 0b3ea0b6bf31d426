// Usage per API token (besides per user): which script or tool spent the tokens.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema
        .alterTable('api_tokens')
        .addColumn('tokens_used', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.alterTable('api_tokens').dropColumn('tokens_used').execute();
}
