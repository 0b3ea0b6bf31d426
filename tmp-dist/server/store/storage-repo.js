import { sql } from 'kysely';
/**
 * Per-user stored bytes and the per-user import claim (table user_storage, migration 008).
 *
 * `bytes` is kept by triggers in the same statement as every write to messages and conversations
 * (UTF-8 bytes of message content, titles and system prompts), so reading it is one row however
 * much a user keeps, and no writer has to remember it.
 *
 * The import claim admits one import per user at a time and at most `perWindow` per window, on
 * every instance: it is one conditional upsert (atomic in both dialects). A claim lapses after
 * `claimMs` should its import never release it (its instance died).
 */
/** The user's stored bytes (0 for a user who never wrote anything). */
export async function storedBytes(db, userId) {
    const row = await db
        .selectFrom('user_storage')
        .select('bytes')
        .where('user_id', '=', userId)
        .executeTakeFirst();
    return Number(row?.bytes ?? 0);
}
/** Claim the user's import slot at `now` if it is free and their window has room. */
export async function claimImport(db, userId, now, limits) {
    const at = now.toISOString();
    const until = new Date(now.getTime() + limits.claimMs).toISOString();
    const windowFloor = new Date(now.getTime() - limits.windowMs).toISOString();
    const newWindow = sql `(user_storage.import_window_start is null or user_storage.import_window_start <= ${windowFloor})`;
    const claimed = await db
        .insertInto('user_storage')
        .values({ user_id: userId, import_claimed_until: until, import_window_start: at, import_count: 1 })
        .onConflict((oc) => oc
        .column('user_id')
        .doUpdateSet({
        import_claimed_until: until,
        import_window_start: sql `case when ${newWindow} then ${at} else user_storage.import_window_start end`,
        import_count: sql `case when ${newWindow} then 1 else user_storage.import_count + 1 end`,
    })
        .where(sql `(user_storage.import_claimed_until is null or user_storage.import_claimed_until <= ${at})
            and (${newWindow} or user_storage.import_count < ${limits.perWindow})`))
        .returning('user_id')
        .executeTakeFirst();
    if (claimed)
        return { claimed: true, until };
    const held = await db
        .selectFrom('user_storage')
        .select(['import_claimed_until', 'import_window_start'])
        .where('user_id', '=', userId)
        .executeTakeFirst();
    const running = held?.import_claimed_until && held.import_claimed_until > at;
    const windowLeft = held?.import_window_start
        ? Date.parse(held.import_window_start) + limits.windowMs - now.getTime()
        : 0;
    return { claimed: false, retryAfterMs: Math.max(running ? limits.busyRetryMs : windowLeft, 1000) };
}
/** End the claim made until `until` (a lapsed and re-made claim is not this one). */
export async function releaseImport(db, userId, until) {
    await db
        .updateTable('user_storage')
        .set({ import_claimed_until: null })
        .where('user_id', '=', userId)
        .where('import_claimed_until', '=', until)
        .execute();
}
