/**
 * Insert an upload's row unless it takes its owner past `quotaBytes`. The row's insert trigger
 * adds its size to user_storage (migration 010); reading the total after that, in the same
 * transaction, is the atomic check: parallel uploads serialize on the user_storage row, and the
 * one that would overshoot rolls back. False when refused.
 */
export async function insertFileWithinQuota(db, row, quotaBytes) {
    const overQuota = new Error('over quota');
    try {
        await db.transaction().execute(async (trx) => {
            await trx.insertInto('files').values(row).execute();
            const stored = await trx
                .selectFrom('user_storage')
                .select('bytes')
                .where('user_id', '=', row.user_id)
                .executeTakeFirst();
            if (Number(stored?.bytes ?? 0) > quotaBytes)
                throw overQuota;
        });
        return true;
    }
    catch (error) {
        if (error === overQuota)
            return false;
        throw error;
    }
}
/** A file by id; callers check its owner (files/file-service.ts). */
export async function fileById(db, id) {
    return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}
/** The files with these ids (any owner: callers check), in no particular order. */
export async function filesByIds(db, ids) {
    if (ids.length === 0)
        return [];
    return db
        .selectFrom('files')
        .selectAll()
        .where('id', 'in', [...ids])
        .execute();
}
/**
 * Tie the user's uploads to the conversation a message names them in: only files the user owns
 * that are not tied yet, or already tied to this conversation. Returns how many rows qualified.
 */
export async function attachFiles(db, userId, conversationId, ids) {
    if (ids.length === 0)
        return 0;
    const result = await db
        .updateTable('files')
        .set({ conversation_id: conversationId })
        .where('id', 'in', [...ids])
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('conversation_id', 'is', null), eb('conversation_id', '=', conversationId)]))
        .executeTakeFirst();
    return Number(result.numUpdatedRows);
}
/** Delete the user's file (its bytes are queued for deletion by trigger). */
export async function deleteFile(db, userId, id) {
    const result = await db
        .deleteFrom('files')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
}
/** Uploads never sent in a message, older than `before`: at most `limit` of them deleted. */
export async function deleteOrphanFiles(db, before, limit) {
    const result = await db
        .deleteFrom('files')
        .where('id', 'in', db
        .selectFrom('files')
        .select('id')
        .where('conversation_id', 'is', null)
        .where('created_at', '<', before)
        .limit(limit))
        .executeTakeFirst();
    return Number(result.numDeletedRows);
}
/** Cache a document's extracted text (done once, at upload). */
export async function setExtractedText(db, id, text) {
    await db.updateTable('files').set({ extracted_text: text }).where('id', '=', id).execute();
}
/** Keys whose bytes must go (queued by the files delete trigger), oldest first. */
export async function queuedBlobDeletions(db, limit) {
    const rows = await db
        .selectFrom('blob_deletions')
        .select('key')
        .orderBy('queued_at')
        .limit(limit)
        .execute();
    return rows.map((row) => row.key);
}
export async function forgetBlobDeletions(db, keys) {
    if (keys.length === 0)
        return;
    await db
        .deleteFrom('blob_deletions')
        .where('key', 'in', [...keys])
        .execute();
}
