import { type AccountContext, type NewSession, now, type Principal } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';

export const SESSION_DAYS = 30;
/** Oldest sessions beyond this are dropped, so a user's session list stays bounded. */
export const MAX_SESSIONS_PER_USER = 100;
const USER_AGENT_CHARS = 200;

export interface SessionInfo {
  /** Not the cookie: a prefix of its hash, enough to tell sessions apart. */
  id: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string | null;
  userAgent: string | null;
  current: boolean;
}

export async function startSession(
  ctx: AccountContext,
  userId: string,
  userAgent?: string,
): Promise<NewSession> {
  const sessionToken = randomSecret();
  const csrfToken = randomSecret();
  const created = new Date();
  await ctx.repos.sessions.insertSession({
    id: sha256(sessionToken),
    user_id: userId,
    csrf_token: csrfToken,
    created_at: created.toISOString(),
    expires_at: new Date(created.getTime() + SESSION_DAYS * 86_400_000).toISOString(),
    user_agent: userAgent ? userAgent.slice(0, USER_AGENT_CHARS) : null,
    last_seen_at: created.toISOString(),
  });
  for (const id of await ctx.repos.sessions.trimUserSessions(userId, MAX_SESSIONS_PER_USER)) {
    await ctx.revoked({ userId, sessionId: id });
  }
  return { sessionToken, csrfToken };
}

export async function logout(ctx: AccountContext, principal: Principal, ip?: string): Promise<void> {
  if (principal.sessionId) await ctx.repos.sessions.deleteSession(principal.sessionId);
  ctx.audit('logout', { userId: principal.userId });
  await ctx.record('sign-out', { actorId: principal.userId, targetId: principal.userId, ip });
  if (principal.sessionId) await ctx.revoked({ userId: principal.userId, sessionId: principal.sessionId });
}

/** The principal behind a session cookie; undefined if unknown, expired or the user is disabled. */
export async function fromSession(ctx: AccountContext, sessionToken: string): Promise<Principal | undefined> {
  const at = now();
  const found = await ctx.repos.sessions.findSession(sha256(sessionToken), at);
  if (!found) return undefined;
  const user = await ctx.repos.users.findUser(found.userId);
  if (!user || user.disabled === 1 || user.pending === 1) return undefined;
  // For the session list; once a minute is enough and keeps reads from becoming writes.
  const seen = found.session.last_seen_at;
  if (!seen || Date.parse(at) - Date.parse(seen) > 60_000)
    await ctx.repos.sessions.touchSession(found.session.id, at);
  return {
    userId: user.id,
    role: user.role,
    via: 'session',
    sessionId: found.session.id,
    csrfToken: found.session.csrf_token,
  };
}

/** This user's live sessions, newest first (bounded by MAX_SESSIONS_PER_USER). */
export async function listSessions(ctx: AccountContext, principal: Principal): Promise<SessionInfo[]> {
  const rows = await ctx.repos.sessions.listUserSessions(principal.userId, now(), MAX_SESSIONS_PER_USER);
  return rows.map((row) => ({
    id: row.id.slice(0, 16),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    userAgent: row.user_agent,
    current: row.id === principal.sessionId,
  }));
}

/** "Sign out everywhere": every session of the user ends, this one included; API tokens stay. */
export async function endAllSessions(
  ctx: AccountContext,
  principal: Principal,
): Promise<{ endedSessions: number }> {
  const ended = await ctx.repos.sessions.deleteUserSessions(principal.userId);
  ctx.audit('sessions.ended', { userId: principal.userId, endedSessions: ended.length });
  await revokeSessions(ctx, principal.userId, ended);
  return { endedSessions: ended.length };
}

/** Tells the app (and other instances) that these sessions of the user ended. */
export async function revokeSessions(
  ctx: AccountContext,
  userId: string,
  sessionIds: string[],
): Promise<void> {
  for (const sessionId of sessionIds) await ctx.revoked({ userId, sessionId });
}
