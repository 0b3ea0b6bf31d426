export async function insertInvite(db, row) {
    await db
        .insertInto('invites')
        .values({ ...row, used_by: null, used_at: null })
        .execute();
}
/** Mark an unused, unexpired invite as used; false when there is no such invite. */
export async function redeemInvite(db, codeHash, userId, now) {
    const result = await db
        .updateTable('invites')
        .set({ used_by: userId, used_at: now })
        .where('code_hash', '=', codeHash)
        .where('used_by', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
}
/** Whether an unused, unexpired invite with this code exists (checked before any hashing). */
export async function findUsableInvite(db, codeHash, now) {
    const row = await db
        .selectFrom('invites')
        .select('id')
        .where('code_hash', '=', codeHash)
        .where('used_by', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return row !== undefined;
}
/** Expired invites that nobody used are of no further use. */
export async function deleteExpiredInvites(db, now) {
    const result = await db
        .deleteFrom('invites')
        .where('used_by', 'is', null)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
    return Number(result.numDeletedRows);
}
