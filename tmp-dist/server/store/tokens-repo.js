import { sql } from 'kysely';
export async function insertApiToken(db, row) {
    await db.insertInto('api_tokens').values(row).execute();
}
export async function findApiTokenByHash(db, tokenHash) {
    return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}
export async function listApiTokens(db, userId) {
    return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}
export async function deleteApiToken(db, userId, id) {
    const result = await db
        .deleteFrom('api_tokens')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
}
export async function touchApiToken(db, id, now) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}
export async function addApiTokenUsage(db, id, tokens) {
    if (tokens <= 0)
        return;
    await db
        .updateTable('api_tokens')
        .set({ tokens_used: sql `tokens_used + ${tokens}` })
        .where('id', '=', id)
        .execute();
}
