import { notFound } from '../errors.js';
import { type AccountContext, now } from './account-context.js';
import { MAX_SESSIONS_PER_USER, revokeSessions, type SessionInfo } from './sessions.js';

/** A session as an admin sees it: the same as the user's own list, without "this one". */
export type AdminSessionInfo = Omit<SessionInfo, 'current'>;

async function requireUser(ctx: AccountContext, userId: string): Promise<void> {
  if (!(await ctx.repos.users.findUser(userId))) throw notFound('User');
}

/** The user's live sessions, newest first (bounded by MAX_SESSIONS_PER_USER). */
export async function listUserSessions(ctx: AccountContext, userId: string): Promise<AdminSessionInfo[]> {
  await requireUser(ctx, userId);
  const rows = await ctx.repos.sessions.listUserSessions(userId, now(), MAX_SESSIONS_PER_USER);
  return rows.map((row) => ({
    id: row.id.slice(0, 16),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    userAgent: row.user_agent,
  }));
}

/**
 * An admin signs a user out everywhere: the same path as the user's own "sign out everywhere"
 * (every session ends and its open streams close, on every instance); API tokens stay.
 */
export async function signOutUser(
  ctx: AccountContext,
  adminId: string,
  userId: string,
  ip?: string,
): Promise<{ endedSessions: number }> {
  await requireUser(ctx, userId);
  const ended = await ctx.repos.sessions.deleteUserSessions(userId);
  ctx.audit('user.signed_out', { adminId, userId, endedSessions: ended.length });
  await ctx.record('sign-out', {
    actorId: adminId,
    targetId: userId,
    ip,
    detail: { everywhere: true, endedSessions: ended.length },
  });
  await revokeSessions(ctx, userId, ended);
  return { endedSessions: ended.length };
}
