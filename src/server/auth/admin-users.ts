import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Role, UserRow } from '../store/schema.js';
import type { UserPatch } from '../store/users-repo.js';
import { type AccountContext, type UserDto, userDto } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';

const INVITE_DAYS = 7;
/** The invites list shows at most this many, newest first (expired unused ones are purged hourly). */
const MAX_LISTED_INVITES = 200;

export interface InviteOptions {
  role?: Role;
  /** 1..30; 7 when absent. */
  expiresInDays?: number;
}

export interface InviteDto {
  id: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  createdBy: string;
}

export interface UserUpdate {
  disabled?: boolean;
  approved?: boolean;
  role?: Role;
  tokenQuotaDaily?: number | null;
  tokenQuotaMonthly?: number | null;
}

/** A page of accounts with their token usage, for the admin. */
export async function listUsers(ctx: AccountContext, limit: number, after?: string, search?: string) {
  const q = search?.trim().slice(0, 100) || undefined;
  const rows = await ctx.repos.users.listAccounts(limit + 1, after, q);
  const page = rows.slice(0, limit);
  const at = new Date();
  const groups = await ctx.repos.groups.groupsOfUsers(page.map((row) => row.id));
  const items = await Promise.all(
    page.map(async (row) => ({
      ...userDto(row),
      usage: await ctx.repos.usage.tokenUsage(row.id, at),
      groups: groups.get(row.id) ?? [],
    })),
  );
  return { items, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

export async function updateUser(
  ctx: AccountContext,
  adminId: string,
  id: string,
  patch: UserUpdate,
  ip?: string,
): Promise<UserDto> {
  const user = await ctx.repos.users.findUser(id);
  if (!user?.password_hash) throw notFound('User');
  const losesAdmin =
    user.role === 'admin' &&
    user.disabled === 0 &&
    (patch.role === 'user' || patch.disabled === true || patch.approved === false);
  const changes: UserPatch = {};
  if (patch.disabled !== undefined) changes.disabled = patch.disabled ? 1 : 0;
  if (patch.approved !== undefined) changes.pending = patch.approved ? 0 : 1;
  if (patch.role !== undefined) changes.role = patch.role;
  if (patch.tokenQuotaDaily !== undefined) changes.token_quota_daily = patch.tokenQuotaDaily;
  if (patch.tokenQuotaMonthly !== undefined) changes.token_quota_monthly = patch.tokenQuotaMonthly;
  const updated = await ctx.transaction(async (trx) => {
    // Counted under lock: two admins demoting each other at once cannot leave none.
    if (losesAdmin && (await trx.users.lockActiveAdmins()) <= 1) {
      throw new AppError('conflict', 'This is the last admin: make someone else admin first.');
    }
    const row = await trx.users.updateUser(id, changes);
    // Disabling (or un-approving) takes effect at once: the user's sessions end (tokens are
    // refused at lookup).
    if (patch.disabled === true || patch.approved === false) await trx.sessions.deleteUserSessions(id);
    return row as UserRow;
  });
  ctx.audit('user.updated', { adminId, userId: id, changes: patch });
  if (patch.approved === true && user.pending === 1) ctx.audit('user.approved', { adminId, userId: id });
  await recordChanges(ctx, { adminId, user, updated, ip });
  if (patch.disabled === true || patch.approved === false) {
    await ctx.revoked({ userId: id, allCredentials: true, stopRuns: true });
  }
  return userDto(updated);
}

/** What an admin's change did, in the audit log: one entry per kind of change that took effect. */
async function recordChanges(
  ctx: AccountContext,
  change: { adminId: string; user: UserRow; updated: UserRow; ip?: string },
): Promise<void> {
  const { user, updated } = change;
  const entry = { actorId: change.adminId, targetId: user.id, ip: change.ip };
  if (user.pending === 1 && updated.pending === 0) await ctx.record('user-approved', entry);
  if (user.role !== updated.role) {
    await ctx.record('role-changed', { ...entry, detail: { from: user.role, to: updated.role } });
  }
  const daily = user.token_quota_daily !== updated.token_quota_daily;
  const monthly = user.token_quota_monthly !== updated.token_quota_monthly;
  if (daily || monthly) {
    await ctx.record('quota-changed', {
      ...entry,
      detail: {
        ...(daily ? { daily: { from: user.token_quota_daily, to: updated.token_quota_daily } } : {}),
        ...(monthly ? { monthly: { from: user.token_quota_monthly, to: updated.token_quota_monthly } } : {}),
      },
    });
  }
  if (user.disabled === 0 && updated.disabled === 1) await ctx.record('user-disabled', entry);
  if (user.disabled === 1 && updated.disabled === 0) await ctx.record('user-enabled', entry);
}

/** A single-use invite code; only its hash is stored, so the code is shown this once. */
export async function createInvite(
  ctx: AccountContext,
  adminId: string,
  options: InviteOptions = {},
  ip?: string,
): Promise<{ id: string; code: string; role: Role; expiresAt: string }> {
  const code = randomSecret('inv_');
  const created = new Date();
  const role = options.role ?? 'user';
  const days = Math.min(30, Math.max(1, options.expiresInDays ?? INVITE_DAYS));
  const expiresAt = new Date(created.getTime() + days * 86_400_000).toISOString();
  const id = newId();
  await ctx.repos.invites.insertInvite({
    id,
    code_hash: sha256(code),
    created_by: adminId,
    created_at: created.toISOString(),
    expires_at: expiresAt,
    role,
  });
  ctx.audit('invite.created', { adminId, inviteId: id, role });
  await ctx.record('invite-created', { actorId: adminId, ip, detail: { inviteId: id, role, expiresAt } });
  return { id, code, role, expiresAt };
}

/** The newest invites (never their codes). */
export async function listInvites(ctx: AccountContext): Promise<{ items: InviteDto[] }> {
  const rows = await ctx.repos.invites.listInvites(MAX_LISTED_INVITES);
  return {
    items: rows.map((row) => ({
      id: row.id,
      role: row.role,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
      createdBy: row.created_by,
    })),
  };
}

/** Revoke an unused invite: 404 unknown, 409 already used; revoking twice changes nothing. */
export async function revokeInvite(
  ctx: AccountContext,
  adminId: string,
  id: string,
  ip?: string,
): Promise<void> {
  const invite = await ctx.repos.invites.findInvite(id);
  if (!invite) throw notFound('Invite');
  if (invite.used_by !== null)
    throw new AppError('conflict', 'This invite was already used; it cannot be revoked.');
  if (invite.revoked_at !== null) return;
  if (!(await ctx.repos.invites.revokeInvite(id, new Date().toISOString()))) {
    // Used (or revoked) between the two queries.
    throw new AppError('conflict', 'This invite was already used; it cannot be revoked.');
  }
  ctx.audit('invite.revoked', { adminId, inviteId: id });
  await ctx.record('invite-revoked', { actorId: adminId, ip, detail: { inviteId: id, role: invite.role } });
}
