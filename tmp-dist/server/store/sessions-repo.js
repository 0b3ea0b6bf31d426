export async function insertSession(db, row) {
    await db.insertInto('sessions').values(row).execute();
}
/** The session and its user, if the session exists and has not expired. */
export async function findSession(db, id, now) {
    const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return row ? { session: row, userId: row.user_id } : undefined;
}
export async function touchSession(db, id, now) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}
/** A user's live sessions, newest first, at most `limit`. */
export async function listUserSessions(db, userId, now, limit) {
    return db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
}
export async function deleteSession(db, id) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
}
/**
 * End a user's sessions (all, or all but `keepId`); returns the ids that ended so each one's
 * open streams can be closed too.
 */
export async function deleteUserSessions(db, userId, keepId) {
    let query = db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepId !== undefined)
        query = query.where('id', '!=', keepId);
    return (await query.returning('id').execute()).map((row) => row.id);
}
/** Drop a user's oldest sessions beyond `keep`, so the list stays bounded; returns the dropped ids. */
export async function trimUserSessions(db, userId, keep) {
    const old = await db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .offset(keep)
        .limit(1000)
        .execute();
    if (old.length === 0)
        return [];
    const ids = old.map((row) => row.id);
    await db.deleteFrom('sessions').where('id', 'in', ids).execute();
    return ids;
}
export async function deleteExpiredSessions(db, now) {
    const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
}
