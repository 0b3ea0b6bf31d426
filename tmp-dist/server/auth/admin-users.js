import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { userDto } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';
const INVITE_DAYS = 7;
/** A page of accounts with their token usage, for the admin. */
export async function listUsers(ctx, limit, after) {
    const rows = await ctx.repos.users.listAccounts(limit + 1, after);
    const page = rows.slice(0, limit);
    const at = new Date();
    const items = await Promise.all(page.map(async (row) => ({ ...userDto(row), usage: await ctx.repos.usage.tokenUsage(row.id, at) })));
    return { items, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}
export async function updateUser(ctx, adminId, id, patch) {
    const user = await ctx.repos.users.findUser(id);
    if (!user?.password_hash)
        throw notFound('User');
    const losesAdmin = user.role === 'admin' && (patch.role === 'user' || patch.disabled === true || patch.approved === false);
    if (losesAdmin && (await ctx.repos.users.countActiveAdmins()) <= 1) {
        throw new AppError('conflict', 'This is the last admin: make someone else admin first.');
    }
    const changes = {};
    if (patch.disabled !== undefined)
        changes.disabled = patch.disabled ? 1 : 0;
    if (patch.approved !== undefined)
        changes.pending = patch.approved ? 0 : 1;
    if (patch.role !== undefined)
        changes.role = patch.role;
    if (patch.tokenQuotaDaily !== undefined)
        changes.token_quota_daily = patch.tokenQuotaDaily;
    if (patch.tokenQuotaMonthly !== undefined)
        changes.token_quota_monthly = patch.tokenQuotaMonthly;
    const updated = await ctx.transaction(async (trx) => {
        const row = await trx.users.updateUser(id, changes);
        // Disabling (or un-approving) takes effect at once: the user's sessions end (tokens are
        // refused at lookup).
        if (patch.disabled === true || patch.approved === false)
            await trx.sessions.deleteUserSessions(id);
        return row;
    });
    ctx.audit('user.updated', { adminId, userId: id, changes: patch });
    if (patch.approved === true && user.pending === 1)
        ctx.audit('user.approved', { adminId, userId: id });
    if (patch.disabled === true || patch.approved === false) {
        await ctx.revoked({ userId: id, allCredentials: true, stopRuns: true });
    }
    return userDto(updated);
}
export async function createInvite(ctx, adminId) {
    const code = randomSecret('inv_');
    const created = new Date();
    const expiresAt = new Date(created.getTime() + INVITE_DAYS * 86_400_000).toISOString();
    await ctx.repos.invites.insertInvite({
        id: newId(),
        code_hash: sha256(code),
        created_by: adminId,
        created_at: created.toISOString(),
        expires_at: expiresAt,
    });
    ctx.audit('invite.created', { adminId });
    return { code, expiresAt };
}
