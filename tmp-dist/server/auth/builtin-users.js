/**
 * The users that exist before anyone signs up. Who a request acts as is auth's decision, so their
 * ids live here; the store only receives them as data (store/ never imports auth/).
 */
/** AUTH_MODE=none: every request acts as this user. With accounts, the first admin takes it over. */
export const LOCAL_USER_ID = '00000000-0000-7000-8000-000000000001';
/** AUTH_MODE=local: anonymous callers of the seed routes share this user (the seed had one history). */
export const GUEST_USER_ID = '00000000-0000-7000-8000-000000000002';
/** Create the built-in users if missing (every start; a no-op once they exist). */
export async function ensureBuiltinUsers(repos, now) {
    const builtins = [
        { id: LOCAL_USER_ID, username: 'local', display_name: 'Local user', role: 'admin', created_at: now },
        { id: GUEST_USER_ID, username: 'guest', display_name: 'Guest', role: 'user', created_at: now },
    ];
    for (const row of builtins)
        await repos.users.insertUserIfAbsent(row);
}
