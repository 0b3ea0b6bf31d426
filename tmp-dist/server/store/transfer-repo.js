/** Reads and writes of whole conversations, for export and import. */
/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const INSERT_CHUNK = 500;
/** Every message of a conversation, every branch, oldest first (ids are time-ordered). */
export async function conversationMessages(db, conversationId) {
    return db
        .selectFrom('messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('id')
        .execute();
}
/** Insert many messages in order; call inside a transaction so a failure leaves none behind. */
export async function insertMessages(db, rows) {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await db
            .insertInto('messages')
            .values(rows.slice(start, start + INSERT_CHUNK))
            .execute();
    }
}
/**
 * Delete the user's conversations `ids` (their messages cascade): an import taking itself back.
 * The `user_id` filter is a second wall: the ids are the importer's own fresh rows.
 */
export async function deleteConversations(db, userId, ids) {
    for (let start = 0; start < ids.length; start += INSERT_CHUNK) {
        await db
            .deleteFrom('conversations')
            .where('user_id', '=', userId)
            .where('id', 'in', ids.slice(start, start + INSERT_CHUNK))
            .execute();
    }
}
