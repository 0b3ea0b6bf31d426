import { AppError } from '../errors.js';
import type { UserRow } from '../store/schema.js';
import { type AccountContext, type NewSession, type UserDto, userDto } from './account-context.js';
import { needsRehash } from './passwords.js';
import { startSession } from './sessions.js';

export async function login(
  ctx: AccountContext,
  input: { username: string; password: string },
  ip: string,
  userAgent?: string,
): Promise<{ user: UserDto } & NewSession> {
  ctx.requireAccounts();
  const username = input.username.trim().toLowerCase();
  // The attempt is counted before the password is checked (see LoginThrottle).
  try {
    await ctx.throttle.reserve('login', username, ip);
  } catch (error) {
    ctx.audit('login.throttled', { username, ip });
    throw error;
  }
  const user = await ctx.repos.users.findUserByUsername(username);
  const ok = await ctx.verify(input.password, user?.password_hash);
  if (!user?.password_hash || !ok) {
    await ctx.throttle.failed('login', username, ip);
    const reason = !user?.password_hash ? 'unknown user' : 'bad password';
    ctx.audit('login.failed', { username, ip, reason });
    // The attempted name, never the password.
    await ctx.record('sign-in-failed', {
      targetId: user?.password_hash ? user.id : null,
      ip,
      detail: { username, reason },
    });
    throw new AppError('invalid_credentials', 'Wrong username or password.');
  }
  await ctx.throttle.succeeded('login', username, ip);
  // Said only after the right password, so it reveals nothing to a guesser: without it a disabled
  // or waiting account answers exactly as a wrong password or an unknown name does.
  if (user.disabled === 1) {
    ctx.audit('login.failed', { username, ip, reason: 'disabled' });
    await ctx.record('sign-in-failed', { targetId: user.id, ip, detail: { username, reason: 'disabled' } });
    throw new AppError('account_disabled', 'This account is disabled; ask an admin.');
  }
  if (user.pending === 1) {
    ctx.audit('login.pending', { userId: user.id, ip });
    await ctx.record('sign-in-failed', { targetId: user.id, ip, detail: { username, reason: 'pending' } });
    throw new AppError('account_pending', 'This account is waiting for an admin to approve it.');
  }
  await upgradeHash(ctx, user, input.password);
  const session = await startSession(ctx, user.id, userAgent);
  ctx.audit('login', { userId: user.id, ip });
  await ctx.record('sign-in', { actorId: user.id, targetId: user.id, ip, detail: { method: 'password' } });
  return { user: userDto(user), ...session };
}

/** A hash made with weaker parameters than today's is replaced while the password is at hand. */
async function upgradeHash(ctx: AccountContext, user: UserRow, password: string): Promise<void> {
  if (!user.password_hash || !needsRehash(user.password_hash)) return;
  try {
    // Only if the hash is still the one verified: a password changed meanwhile wins.
    if (await ctx.repos.users.replacePasswordHash(user.id, user.password_hash, await ctx.hash(password))) {
      ctx.audit('password.rehashed', { userId: user.id });
    }
  } catch (error) {
    // Busy (hash queue full): the next sign-in upgrades it.
    if (!(error instanceof AppError)) throw error;
  }
}
