import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { UserRow } from '../store/schema.js';
import { type AccountContext, type NewSession, now, type UserDto, userDto } from './account-context.js';
import { LOCAL_USER_ID } from './builtin-users.js';
import { sha256 } from './secrets.js';
import { startSession } from './sessions.js';

const RESERVED_USERNAMES = new Set(['local', 'guest', 'admin', 'root', 'system']);

export interface SignupInput {
  username: string;
  password: string;
  displayName?: string;
  inviteCode?: string;
  setupCode?: string;
}

/**
 * Everything that can refuse a sign-up is checked here, before the (deliberately slow) hash: a
 * taken name, a closed server or a missing code costs a query, not a hash. The transaction in
 * `signup` claims the same things again atomically.
 */
async function signupPlan(
  ctx: AccountContext,
  username: string,
  input: { inviteCode?: string; setupCode?: string },
): Promise<'first' | 'later'> {
  if (await ctx.repos.users.findUserByUsername(username))
    throw new AppError('conflict', 'That username is taken.');
  if ((await ctx.repos.users.countAccounts()) === 0) {
    if (!ctx.config.publiclyReachable) return 'first';
    if (input.setupCode && (await ctx.repos.setupCodes.findSetupCode(sha256(input.setupCode), now())))
      return 'first';
    throw setupRequired();
  }
  if (ctx.config.signup === 'closed') throw signupClosed();
  if (ctx.config.signup === 'invite') {
    if (!input.inviteCode || !(await ctx.repos.invites.findUsableInvite(sha256(input.inviteCode), now()))) {
      throw inviteRequired();
    }
  }
  return 'later';
}

/**
 * A new account. The first one becomes the admin: on a loopback address anyone may claim it, on
 * a public one only with the setup code from the log. Later ones follow SIGNUP; with `approval`
 * they wait for an admin and get no session.
 */
export async function signup(
  ctx: AccountContext,
  input: SignupInput,
  ip: string,
  userAgent?: string,
): Promise<{ user: UserDto; session?: NewSession }> {
  ctx.requireAccounts();
  const username = input.username.trim().toLowerCase();
  if (RESERVED_USERNAMES.has(username)) {
    throw new AppError('validation_error', `The username "${username}" is reserved; pick another.`);
  }
  const plan = await signupPlan(ctx, username, input);
  const passwordHash = await ctx.hash(input.password);
  const at = now();
  const displayName = input.displayName?.trim() || username;

  const userId = await ctx.transaction(async (trx) => {
    if (await trx.users.findUserByUsername(username)) {
      throw new AppError('conflict', 'That username is taken.');
    }
    if (plan === 'first') {
      const { publiclyReachable } = ctx.config;
      // Single use: the code is deleted as it is claimed; of two parallel sign-ups one wins.
      if (publiclyReachable && !(await trx.setupCodes.claimSetupCode(sha256(input.setupCode ?? ''), at))) {
        throw setupRequired();
      }
      const claimed = await trx.users.claimLocalUser(LOCAL_USER_ID, {
        username,
        display_name: displayName,
        password_hash: passwordHash,
      });
      if (claimed) {
        if (publiclyReachable) await trx.setupCodes.deleteSetupCodes();
        return LOCAL_USER_ID;
      }
      // Another sign-up became the admin a moment ago: on a public address the code was theirs
      // (roll back); on a loopback one this becomes an ordinary sign-up.
      if (publiclyReachable) throw setupRequired();
    }
    const id = newId();
    const { signup } = ctx.config;
    if (signup === 'closed') throw signupClosed();
    // An invite grants its role (an admin's invite makes an admin). SIGNUP=invite needs one; with
    // open or approval sign-up a valid one is still honoured (and an invited account needs no approval).
    const invited = input.inviteCode
      ? await trx.invites.redeemInvite(sha256(input.inviteCode), id, at)
      : null;
    if (signup === 'invite' && !invited) throw inviteRequired();
    await trx.users.insertUser({
      id,
      username,
      display_name: displayName,
      role: invited ?? 'user',
      password_hash: passwordHash,
      created_at: at,
      pending: signup === 'approval' && !invited ? 1 : 0,
    });
    return id;
  });
  const user = (await ctx.repos.users.findUser(userId)) as UserRow;
  ctx.audit('signup', { userId, username, role: user.role, pending: user.pending === 1, ip });
  if (user.pending === 1) return { user: userDto(user) };
  return { user: userDto(user), session: await startSession(ctx, userId, userAgent) };
}

const setupRequired = () =>
  new AppError(
    'setup_required',
    'This server has no admin yet: enter the one-time setup code that the server printed in its log (API field setupCode).',
  );
const signupClosed = () =>
  new AppError('signup_closed', 'Sign-up is closed on this server; ask an admin for an account.');
const inviteRequired = () =>
  new AppError('signup_closed', 'Sign-up needs a valid invite code from an admin.');
