import { AppError } from '../errors.js';
import type { AccountContext, Principal, UserDto } from './account-context.js';
import { userDto } from './account-context.js';
import { SSO_ONLY_PASSWORD } from './sso-sign-in.js';

export { SSO_ONLY_PASSWORD };

/** Display names, as at sign-up: 1-100 characters once trimmed. */
const MAX_DISPLAY_NAME = 100;

/** Change the caller's display name (what the app and the admin console show). */
export async function updateProfile(
  ctx: AccountContext,
  principal: Principal,
  input: { displayName: string },
): Promise<UserDto> {
  const displayName = input.displayName.trim();
  if (displayName.length === 0 || displayName.length > MAX_DISPLAY_NAME) {
    throw new AppError('bad_request', 'The display name must be 1 to 100 characters.');
  }
  const user = await ctx.repos.users.findUser(principal.userId);
  // Built-in users (AUTH_MODE=none's local user) have no account of their own to edit.
  if (!user?.password_hash || principal.via === 'none') {
    throw new AppError('forbidden', 'This built-in user has no profile to change.');
  }
  const updated = await ctx.repos.users.updateUser(user.id, { display_name: displayName });
  ctx.audit('user.profile_changed', { userId: user.id });
  return userDto(updated ?? { ...user, display_name: displayName });
}

/**
 * "Delete my account": the user and everything they own go (the users row cascades to
 * conversations, files, tokens, sessions and usage; the files' bytes are queued for the blob
 * sweeper by the store's trigger, the same path as the guests' purge). Proof of intent: the
 * password, or for a single sign-on account (no password) the username typed out. Only from a
 * signed-in session: an API token cannot delete the account it belongs to.
 */
export async function deleteAccount(
  ctx: AccountContext,
  principal: Principal,
  input: { password?: string; confirm?: string },
  ip?: string,
): Promise<void> {
  if (principal.via === 'token') {
    throw new AppError('forbidden', 'An API token cannot delete its account; sign in to the web app.');
  }
  const user = await ctx.repos.users.findUser(principal.userId);
  if (!user?.password_hash || principal.via !== 'session') {
    throw new AppError('forbidden', 'This built-in user cannot be deleted.');
  }
  if (user.password_hash === SSO_ONLY_PASSWORD) {
    if (input.confirm?.trim().toLowerCase() !== user.username.toLowerCase()) {
      throw new AppError('bad_request', `Type your username (${user.username}) to confirm.`);
    }
  } else {
    // Throttled like a sign-in: a stolen session must not become a way to guess the password.
    await ctx.throttle.reserve('password', user.id, ip ?? '');
    if (!input.password || !(await ctx.verify(input.password, user.password_hash))) {
      await ctx.throttle.failed('password', user.id, ip ?? '');
      ctx.audit('account.delete_failed', { userId: user.id, ip });
      throw new AppError('invalid_credentials', 'The password is wrong; nothing was deleted.');
    }
    await ctx.throttle.succeeded('password', user.id, ip ?? '');
  }
  await ctx.transaction(async (trx) => {
    // Counted under lock: two admins deleting themselves at once cannot leave none.
    if (user.role === 'admin' && user.disabled === 0 && (await trx.users.lockActiveAdmins()) <= 1) {
      throw new AppError('conflict', 'You are the last admin: make someone else admin first.');
    }
    await trx.users.deleteUsers([user.id]);
  });
  ctx.audit('account.deleted', { userId: user.id });
  // The user is gone, so the entry names them in its detail (the console cannot look them up).
  await ctx.record('account-deleted', {
    actorId: user.id,
    targetId: user.id,
    ip,
    detail: { username: user.username },
  });
  // Every session and token is gone with the row; end their open streams and runs everywhere now.
  await ctx.revoked({ userId: user.id, allCredentials: true, stopRuns: true });
}
