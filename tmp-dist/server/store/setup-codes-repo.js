/** Kept in the database (hashed) so any instance accepts the code another instance printed. */
export async function insertSetupCode(db, row) {
    await db.insertInto('setup_codes').values(row).execute();
}
export async function findSetupCode(db, codeHash, now) {
    const row = await db
        .selectFrom('setup_codes')
        .select('code_hash')
        .where('code_hash', '=', codeHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return row !== undefined;
}
/** Use up a setup code (one statement: of two parallel uses exactly one succeeds). */
export async function claimSetupCode(db, codeHash, now) {
    const result = await db
        .deleteFrom('setup_codes')
        .where('code_hash', '=', codeHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
}
/** Once there is an admin no setup code may work; expired ones go too. */
export async function deleteSetupCodes(db, expiredBefore) {
    let query = db.deleteFrom('setup_codes');
    if (expiredBefore !== undefined)
        query = query.where('expires_at', '<=', expiredBefore);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
}
