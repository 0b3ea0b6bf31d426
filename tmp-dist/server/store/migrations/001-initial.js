// Migrations use the schema builder only, so the same file runs on SQLite and PostgreSQL.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    await db.schema
        .createTable('users')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('username', 'varchar(200)', (c) => c.notNull().unique())
        .addColumn('display_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema
        .createTable('conversations')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('title', 'varchar(500)')
        .addColumn('model', 'varchar(200)', (c) => c.notNull())
        .addColumn('system_prompt', 'text')
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema
        .createIndex('conversations_user_updated')
        .on('conversations')
        .columns(['user_id', 'updated_at', 'id'])
        .execute();
    await db.schema
        .createIndex('conversations_user_default')
        .on('conversations')
        .columns(['user_id', 'is_default'])
        .execute();
    await db.schema
        .createTable('messages')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('parent_id', 'varchar(64)')
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('model', 'varchar(200)')
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('finish_reason', 'varchar(32)')
        .addColumn('error', 'text')
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    await db.schema
        .createIndex('messages_conversation_id')
        .on('messages')
        .columns(['conversation_id', 'id'])
        .execute();
    await db.schema.createIndex('messages_status').on('messages').column('status').execute();
    await db.schema
        .createTable('runs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('conversation_id', 'varchar(64)', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('message_id', 'varchar(64)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('model', 'varchar(200)', (c) => c.notNull())
        .addColumn('instance_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('finished_at', 'varchar(32)')
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    await db.schema
        .createIndex('runs_conversation_status')
        .on('runs')
        .columns(['conversation_id', 'status'])
        .execute();
    await db.schema.createIndex('runs_status').on('runs').column('status').execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    for (const table of ['runs', 'messages', 'conversations', 'users']) {
        await db.schema.dropTable(table).ifExists().execute();
    }
}
