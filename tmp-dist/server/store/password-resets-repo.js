/** Issue a reset link for a user; earlier unused links of that user stop working (one live link). */
export async function replacePasswordReset(db, row) {
    await db.deleteFrom('password_resets').where('user_id', '=', row.user_id).execute();
    await db.insertInto('password_resets').values(row).execute();
}
/** The user a live (unexpired) reset token belongs to, without using it up. */
export async function findPasswordReset(db, tokenHash, now) {
    const row = await db
        .selectFrom('password_resets')
        .select('user_id')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return row?.user_id;
}
/**
 * Use up a reset token: deleted and returned in one statement, so of two parallel uses exactly
 * one gets the user id.
 */
export async function claimPasswordReset(db, tokenHash, now) {
    const row = await db
        .deleteFrom('password_resets')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .returning('user_id')
        .executeTakeFirst();
    return row?.user_id;
}
export async function deleteExpiredPasswordResets(db, now) {
    const result = await db.deleteFrom('password_resets').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
}
