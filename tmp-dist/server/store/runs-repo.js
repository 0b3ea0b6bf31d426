export async function insertRun(db, row) {
    await db.insertInto('runs').values(row).execute();
}
/** A run's end: its status becomes `status` while it is one of `from`; false when it was not. */
export async function finishRun(db, id, from, status, lastSeq, now) {
    const result = await db
        .updateTable('runs')
        .set({ status, last_seq: lastSeq, finished_at: now })
        .where('id', '=', id)
        .where('status', 'in', from)
        .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
}
/** A run by id; callers check it belongs to a conversation the policy let them read (chat/access.ts). */
export async function runById(db, id) {
    return db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
}
/** The conversation's most recent run, running or not. */
export async function latestRun(db, conversationId) {
    return db
        .selectFrom('runs')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
}
/** Startup recovery: runs left `running` (`from`) by a crash become `interrupted`. */
export async function interruptRunningRuns(db, from, now) {
    const result = await db
        .updateTable('runs')
        .set({ status: 'interrupted', finished_at: now })
        .where('status', 'in', from)
        .executeTakeFirst();
    return Number(result.numUpdatedRows);
}
/** Runs of a conversation still marked running, on any instance. */
export async function runningRuns(db, conversationId) {
    return db
        .selectFrom('runs')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('status', '=', 'running')
        .execute();
}
/**
 * The active run of each conversation (its newest run still marked running with a live lease),
 * read by any instance: one query for a whole page of conversations. A run whose lease lapsed
 * is presumed dead (the reaper will mark it interrupted) and is not reported.
 */
export async function activeRunsOf(db, conversationIds, now) {
    const active = new Map();
    if (conversationIds.length === 0)
        return active;
    const rows = await db
        .selectFrom('runs')
        .select(['id', 'conversation_id', 'message_id'])
        .where('conversation_id', 'in', conversationIds)
        .where('status', '=', 'running')
        .where('lease_until', '>', now)
        .orderBy('id', 'desc')
        .execute();
    for (const row of rows)
        if (!active.has(row.conversation_id))
            active.set(row.conversation_id, row);
    return active;
}
