/** Extend the leases of the runs this instance is streaming. */
export async function renewLeases(db, runIds, until) {
    if (runIds.length === 0)
        return;
    await db.updateTable('runs').set({ lease_until: until }).where('id', 'in', runIds).execute();
}
/** Runs still marked running whose owner stopped renewing their lease. */
export async function expiredRuns(db, now) {
    return db
        .selectFrom('runs')
        .selectAll()
        .where('status', '=', 'running')
        .where('lease_until', '<', now)
        .orderBy('id')
        .limit(100)
        .execute();
}
/**
 * Claim a dead run: mark it (while its status is one of `from.run`) and its message (while one of
 * `from.reply`) interrupted in one transaction. Returns false when another instance got there
 * first (or its owner finished it meanwhile).
 */
export async function interruptRun(db, run, from, now) {
    return db.transaction().execute(async (trx) => {
        const claimed = await trx
            .updateTable('runs')
            .set({ status: 'interrupted', finished_at: now })
            .where('id', '=', run.id)
            .where('status', 'in', from.run)
            .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0)
            return false;
        await trx
            .updateTable('messages')
            .set({ status: 'interrupted', updated_at: now })
            .where('id', '=', run.message_id)
            .where('status', 'in', from.reply)
            .execute();
        return true;
    });
}
export async function heartbeat(db, id, startedAt, now, redis) {
    await db
        .insertInto('instances')
        .values({ id, started_at: startedAt, last_seen_at: now, redis: redis ? 1 : 0 })
        .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen_at: now }))
        .execute();
}
/** Other instances seen since `since`. */
export async function liveInstances(db, selfId, since) {
    return db
        .selectFrom('instances')
        .selectAll()
        .where('id', '!=', selfId)
        .where('last_seen_at', '>', since)
        .execute();
}
export async function forgetInstance(db, id) {
    await db.deleteFrom('instances').where('id', '=', id).execute();
}
export async function forgetStaleInstances(db, before) {
    await db.deleteFrom('instances').where('last_seen_at', '<', before).execute();
}
