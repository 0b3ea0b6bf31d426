import { sql } from 'kysely';
/** Insert a user unless one with its id exists (the built-in users, see auth/builtin-users.ts). */
export async function insertUserIfAbsent(db, row) {
    await db
        .insertInto('users')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
}
/** pg returns bigint columns as strings; the app works with numbers. */
function normalize(row) {
    return {
        ...row,
        disabled: Number(row.disabled),
        pending: Number(row.pending),
        token_quota_daily: row.token_quota_daily === null ? null : Number(row.token_quota_daily),
        token_quota_monthly: row.token_quota_monthly === null ? null : Number(row.token_quota_monthly),
    };
}
export async function findUser(db, id) {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && normalize(row);
}
export async function findUserByUsername(db, username) {
    const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && normalize(row);
}
/** Accounts people created (built-in users have no password). */
export async function countAccounts(db) {
    const row = await db
        .selectFrom('users')
        .select(sql `count(*)`.as('n'))
        .where('password_hash', 'is not', null)
        .executeTakeFirstOrThrow();
    return Number(row.n);
}
export async function countActiveAdmins(db) {
    const row = await db
        .selectFrom('users')
        .select(sql `count(*)`.as('n'))
        .where('password_hash', 'is not', null)
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
    return Number(row.n);
}
export async function insertUser(db, row) {
    await db.insertInto('users').values(row).execute();
}
export async function updateUser(db, id, patch) {
    await db.updateTable('users').set(patch).where('id', '=', id).execute();
    return findUser(db, id);
}
/**
 * The first admin takes over the built-in local user, so what was written in AUTH_MODE=none (or
 * before sign-up) stays with its owner. Guarded on the local user still having no password: of two
 * parallel claims exactly one wins (false for the other).
 */
export async function claimLocalUser(db, localUserId, patch) {
    const result = await db
        .updateTable('users')
        .set({ ...patch, role: 'admin', disabled: 0, pending: 0 })
        .where('id', '=', localUserId)
        .where('password_hash', 'is', null)
        .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
}
/** Swap a password hash only if it is still `old` (a re-hash must not undo a password change). */
export async function replacePasswordHash(db, id, old, hash) {
    const result = await db
        .updateTable('users')
        .set({ password_hash: hash })
        .where('id', '=', id)
        .where('password_hash', '=', old)
        .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
}
/** People's accounts, oldest first, `limit` after the `after` id. */
export async function listAccounts(db, limit, after) {
    let query = db.selectFrom('users').selectAll().where('password_hash', 'is not', null);
    if (after)
        query = query.where('id', '>', after);
    return (await query.orderBy('id').limit(limit).execute()).map(normalize);
}
