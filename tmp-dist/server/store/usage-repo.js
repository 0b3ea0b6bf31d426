import { sql } from 'kysely';
/** UTC periods a token count is kept for: the quota windows. */
export function usagePeriods(at) {
    const iso = at.toISOString();
    return { day: `day:${iso.slice(0, 10)}`, month: `month:${iso.slice(0, 7)}` };
}
/** Add tokens to the user's day and month counters (an upsert, same SQL in SQLite and PostgreSQL). */
export async function addTokenUsage(db, userId, tokens, at) {
    if (tokens <= 0)
        return;
    const { day, month } = usagePeriods(at);
    for (const period of [day, month]) {
        await db
            .insertInto('token_usage')
            .values({ user_id: userId, period, tokens })
            .onConflict((oc) => oc.columns(['user_id', 'period']).doUpdateSet({ tokens: sql `token_usage.tokens + ${tokens}` }))
            .execute();
    }
}
export async function tokenUsage(db, userId, at) {
    const { day, month } = usagePeriods(at);
    const rows = await db
        .selectFrom('token_usage')
        .select(['period', 'tokens'])
        .where('user_id', '=', userId)
        .where('period', 'in', [day, month])
        .execute();
    const of = (period) => Number(rows.find((row) => row.period === period)?.tokens ?? 0);
    return { day: of(day), month: of(month) };
}
