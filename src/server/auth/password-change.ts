import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { type AccountContext, now, type Principal } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';
import { revokeSessions } from './sessions.js';

const RESET_LINK_MS = 60 * 60_000;

/** Change one's own password: needs the current one (throttled like sign-in); ends the other sessions. */
export async function changePassword(
  ctx: AccountContext,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
  ip: string,
): Promise<{ endedSessions: number }> {
  ctx.requireAccounts();
  const user = await ctx.repos.users.findUser(principal.userId);
  if (!user?.password_hash) throw new AppError('bad_request', 'This account has no password to change.');
  await ctx.throttle.reserve('password', user.id, ip);
  if (!(await ctx.verify(input.currentPassword, user.password_hash))) {
    await ctx.throttle.failed('password', user.id, ip);
    ctx.audit('password.change_failed', { userId: user.id, ip });
    throw new AppError('forbidden', 'The current password is wrong.');
  }
  await ctx.throttle.succeeded('password', user.id, ip);
  const passwordHash = await ctx.hash(input.newPassword);
  const ended = await ctx.transaction(async (trx) => {
    await trx.users.updateUser(user.id, { password_hash: passwordHash });
    // Keeps the session that made the change (a token-made change keeps no session).
    return trx.sessions.deleteUserSessions(user.id, principal.sessionId);
  });
  ctx.audit('password.changed', { userId: user.id, ip, endedSessions: ended.length });
  await ctx.record('password-changed', {
    actorId: user.id,
    targetId: user.id,
    ip,
    detail: { via: 'settings', endedSessions: ended.length },
  });
  await revokeSessions(ctx, user.id, ended);
  return { endedSessions: ended.length };
}

/**
 * An admin-issued one-time link to set a new password (1 h; a newer link replaces it). Only the
 * token's hash is stored; the token is in the URL's fragment, which browsers do not send to
 * servers or in Referer headers.
 */
export async function createResetLink(
  ctx: AccountContext,
  adminId: string,
  userId: string,
  origin: string,
  ip?: string,
): Promise<{ url: string; expiresAt: string }> {
  ctx.requireAccounts();
  const user = await ctx.repos.users.findUser(userId);
  if (!user?.password_hash) throw notFound('User');
  const token = randomSecret('rst_');
  const created = new Date();
  const expiresAt = new Date(created.getTime() + RESET_LINK_MS).toISOString();
  await ctx.transaction((trx) =>
    trx.passwordResets.replacePasswordReset({
      id: newId(),
      user_id: userId,
      token_hash: sha256(token),
      created_by: adminId,
      created_at: created.toISOString(),
      expires_at: expiresAt,
    }),
  );
  ctx.audit('reset_link.created', { adminId, userId });
  // The link itself is a secret: only its expiry goes into the log.
  await ctx.record('reset-link-created', { actorId: adminId, targetId: userId, ip, detail: { expiresAt } });
  return { url: `${origin.replace(/\/+$/, '')}/reset#token=${token}`, expiresAt };
}

/** Use a reset link: sets the password and ends every session of the user. */
export async function resetPassword(
  ctx: AccountContext,
  input: { token: string; newPassword: string },
  ip: string,
): Promise<void> {
  ctx.requireAccounts();
  const tokenHash = sha256(input.token);
  // A wrong or used token costs a query, never a hash.
  if (!(await ctx.repos.passwordResets.findPasswordReset(tokenHash, now()))) throw invalidResetLink();
  const passwordHash = await ctx.hash(input.newPassword);
  const { userId, ended } = await ctx.transaction(async (trx) => {
    const owner = await trx.passwordResets.claimPasswordReset(tokenHash, now());
    if (!owner) throw invalidResetLink();
    await trx.users.updateUser(owner, { password_hash: passwordHash });
    return { userId: owner, ended: await trx.sessions.deleteUserSessions(owner) };
  });
  ctx.audit('password.reset', { userId, ip, endedSessions: ended.length });
  await ctx.record('password-changed', {
    actorId: userId,
    targetId: userId,
    ip,
    detail: { via: 'reset-link', endedSessions: ended.length },
  });
  await revokeSessions(ctx, userId, ended);
}

const invalidResetLink = () =>
  new AppError(
    'bad_request',
    'This reset link is not valid: it was used, replaced or has expired. Ask an admin for a new one.',
  );
