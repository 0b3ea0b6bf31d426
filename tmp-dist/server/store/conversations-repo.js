export async function insertConversation(db, row) {
    await db.insertInto('conversations').values(row).execute();
    return { title: null, system_prompt: null, ...row, is_default: row.is_default ?? 0 };
}
/**
 * A conversation by id, whoever owns it: access is decided by the policy (chat/access.ts), which
 * every route goes through. Not for answering a request without that check.
 */
export async function conversationById(db, id) {
    return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}
/** The owner's conversation `id`: the re-read after an owner-scoped write (see updateConversation). */
export async function findConversation(db, userId, id) {
    return db
        .selectFrom('conversations')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
}
/** The user's own default conversation (the seed API's): owner-scoped by definition, like the list. */
export async function findDefaultConversation(db, userId) {
    return db
        .selectFrom('conversations')
        .selectAll()
        .where('user_id', '=', userId)
        .where('is_default', '=', 1)
        .orderBy('id')
        .executeTakeFirst();
}
/**
 * The user's own conversations, most recently active first; `after` is the last row of the
 * previous page. Owner-scoped by design: the list answers "which are mine" (see chat/access.ts).
 */
export async function listConversations(db, userId, limit, after) {
    let query = db.selectFrom('conversations').selectAll().where('user_id', '=', userId);
    if (after) {
        query = query.where((eb) => eb.or([
            eb('updated_at', '<', after.updatedAt),
            eb.and([eb('updated_at', '=', after.updatedAt), eb('id', '<', after.id)]),
        ]));
    }
    return query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
/**
 * Owner-scoped writes: callers have already passed the access policy (chat/access.ts); the
 * `user_id` filter stays as a second wall, so a missed check still changes nothing.
 */
export async function updateConversation(db, userId, id, patch) {
    await db
        .updateTable('conversations')
        .set(patch)
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .execute();
    return findConversation(db, userId, id);
}
export async function touchConversation(db, id, now) {
    await db.updateTable('conversations').set({ updated_at: now }).where('id', '=', id).execute();
}
export async function deleteConversation(db, userId, id) {
    const result = await db
        .deleteFrom('conversations')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
}
