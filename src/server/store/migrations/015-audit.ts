import type { Kysely } from 'kysely';

// The audit log: who did what to accounts (sign-ins and their failures, role and quota changes,
// tokens, invites, passwords). No foreign keys: an entry outlives the account it names. Kept 90
// days (the accounts' housekeeping deletes older entries). Invites gain the role they grant and
// the time an admin revoked them.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('target_id', 'varchar(64)')
    .addColumn('ip', 'varchar(64)')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.createIndex('audit_events_type_at').on('audit_events').columns(['type', 'at']).execute();
  await db.schema
    .createIndex('audit_events_target_at')
    .on('audit_events')
    .columns(['target_id', 'at'])
    .execute();
  await db.schema
    .alterTable('invites')
    .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('user'))
    .execute();
  await db.schema.alterTable('invites').addColumn('revoked_at', 'varchar(32)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invites').dropColumn('revoked_at').execute();
  await db.schema.alterTable('invites').dropColumn('role').execute();
  await db.schema.dropTable('audit_events').ifExists().execute();
}
