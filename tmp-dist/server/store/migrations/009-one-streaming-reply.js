import { sql } from 'kysely';
// At most one reply to a user message is written at a time: `continue` and `regenerate` claim
// that in the database, so parallel requests on one message admit one run (the index refuses the
// second streaming reply on SQLite and PostgreSQL alike). The runs index serves "which run last
// wrote this message" (a run saves its final text only if no newer run took the message over) and
// the cascade when messages are deleted.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types.
export async function up(db) {
    // Rows the old race left behind: keep the newest streaming reply per user message, the others
    // become interrupted (their text stays; `continue` picks them up) so the index can be built.
    await sql `
    update messages set status = 'interrupted'
    where status = 'streaming' and parent_id is not null and exists (
      select 1 from messages newer
      where newer.parent_id = messages.parent_id and newer.status = 'streaming' and newer.id > messages.id
    )`.execute(db);
    await sql `
    create unique index messages_one_streaming_reply on messages (parent_id)
    where status = 'streaming'`.execute(db);
    await db.schema.createIndex('runs_message').on('runs').column('message_id').execute();
}
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db) {
    await db.schema.dropIndex('runs_message').ifExists().execute();
    await db.schema.dropIndex('messages_one_streaming_reply').ifExists().execute();
}
