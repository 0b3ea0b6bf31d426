import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Role, UserRow } from '../store/schema.js';
import { type AccountContext, type NewSession, now, type UserDto, userDto } from './account-context.js';
import { syncClaimedGroups } from './group-sync.js';
import { startSession } from './sessions.js';

/**
 * The password "hash" of an account made by single sign-on: not a hash, so no password ever
 * matches it (verifyPassword refuses what it cannot parse), yet the account counts as an account
 * for the admin (list, approve, disable, reset link) like one that signed up with a password.
 */
export const SSO_ONLY_PASSWORD = '!sso';

const RESERVED_USERNAMES = new Set(['local', 'guest', 'admin', 'root', 'system']);
const MAX_GROUPS = 200;
const MAX_GROUP_CHARS = 200;

/** What the provider vouched for, already verified (ID token signature, issuer, audience, nonce). */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** Hints for a new account's username and display name; never used to find an account. */
  preferredUsername: string | null;
  name: string | null;
  groups: string[];
}

export interface SsoSettings {
  /** Set: admins are exactly the members of these groups (checked at every sign-in). */
  adminGroups: string[] | undefined;
}

/** Groups from a claim value: a list of strings (or one string), bounded. */
export function groupsFrom(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return items
    .filter((item): item is string => typeof item === 'string' && item.length > 0)
    .map((item) => item.slice(0, MAX_GROUP_CHARS))
    .slice(0, MAX_GROUPS);
}

/** A claim by name, or by a dotted path into nested objects (`realm_access.roles`). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function roleFor(settings: SsoSettings, groups: string[]): Role | undefined {
  if (!settings.adminGroups) return undefined;
  return groups.some((group) => settings.adminGroups?.includes(group)) ? 'admin' : 'user';
}

/** A username like the password sign-up's (3–40 of a-z0-9_.-), from the provider's hints. */
function baseUsername(identity: VerifiedIdentity): string {
  const hint =
    identity.preferredUsername ??
    identity.email?.split('@')[0] ??
    identity.name ??
    `user-${identity.subject}`;
  const cleaned = hint
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 32);
  return cleaned.length >= 3 ? cleaned : `user-${cleaned || 'sso'}`.slice(0, 32);
}

/**
 * A free username: the hint, else the hint with a number. An existing account with that name
 * (or email) is never taken over: it simply makes the new account pick another name.
 */
async function freeUsername(ctx: AccountContext, identity: VerifiedIdentity): Promise<string> {
  const base = baseUsername(identity);
  for (let n = 1; n <= 20; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (RESERVED_USERNAMES.has(candidate)) continue;
    if (!(await ctx.repos.users.findUserByUsername(candidate))) return candidate;
  }
  return `${base.slice(0, 27)}-${newId().slice(-8).toLowerCase()}`;
}

/**
 * Sign in with a verified identity from the OpenID provider: the account linked to issuer +
 * subject, or a new one. New accounts follow SIGNUP: `open` makes them active; `approval` and
 * `invite` make them wait for an admin (an invite code cannot travel through the provider);
 * `closed` refuses them. Members of OIDC_ADMIN_GROUPS are the exception: the provider says they
 * are admins, so their account is created active whatever SIGNUP says. A disabled or pending
 * account gets no session.
 */
export async function signInWithIdentity(
  ctx: AccountContext,
  settings: SsoSettings,
  identity: VerifiedIdentity,
  ip: string,
  userAgent?: string,
): Promise<{ user: UserDto; created: boolean } & NewSession> {
  ctx.requireAccounts();
  const at = now();
  const groups = identity.groups;
  const role = roleFor(settings, groups);
  const identityPatch = {
    email: identity.email?.slice(0, 320) ?? null,
    groups: JSON.stringify(groups),
    last_login_at: at,
  };

  let created = false;
  let user: UserRow | undefined;
  const linked = await ctx.repos.identities.findIdentity(identity.issuer, identity.subject);
  if (linked) {
    user = await ctx.repos.users.findUser(linked.user_id);
  } else {
    const { signup } = ctx.config;
    if (signup === 'closed' && role !== 'admin') {
      ctx.audit('sso.refused', { issuer: identity.issuer, reason: 'signup closed', ip });
      await ctx.record('sign-in-failed', { ip, detail: { method: 'oidc', reason: 'signup closed' } });
      throw new AppError('signup_closed', 'Sign-up is closed on this server; ask an admin for an account.');
    }
    const username = await freeUsername(ctx, identity);
    const id = newId();
    await ctx.transaction(async (trx) => {
      // Of two parallel first sign-ins of the same identity, the second finds the first's link.
      if (await trx.identities.findIdentity(identity.issuer, identity.subject)) return;
      await trx.users.insertUser({
        id,
        username,
        display_name: (identity.name?.trim() || username).slice(0, 100),
        role: role ?? 'user',
        password_hash: SSO_ONLY_PASSWORD,
        created_at: at,
        pending: signup === 'open' || role === 'admin' ? 0 : 1,
      });
      await trx.identities.insertIdentity({
        issuer: identity.issuer,
        subject: identity.subject,
        user_id: id,
        created_at: at,
        ...identityPatch,
      });
      created = true;
    });
    const link = await ctx.repos.identities.findIdentity(identity.issuer, identity.subject);
    user = link ? await ctx.repos.users.findUser(link.user_id) : undefined;
    if (created) ctx.audit('signup', { userId: id, username, via: 'sso', pending: user?.pending === 1, ip });
  }

  if (!user) throw new AppError('invalid_credentials', 'This account no longer exists.');
  if (user.disabled === 1) {
    ctx.audit('login.failed', { userId: user.id, ip, via: 'sso', reason: 'disabled' });
    await ctx.record('sign-in-failed', {
      targetId: user.id,
      ip,
      detail: { method: 'oidc', reason: 'disabled' },
    });
    throw new AppError('forbidden', 'This account is disabled; ask an admin.');
  }
  await ctx.repos.identities.touchIdentity(identity.issuer, identity.subject, identityPatch);
  // Parley groups named by the claim: `oidc` memberships follow it (an admin's are left alone).
  const synced = await syncClaimedGroups(ctx.repos, user.id, groups, at);
  for (const [type, changed] of [
    ['group-member-added', synced.added],
    ['group-member-removed', synced.removed],
  ] as const) {
    for (const group of changed) {
      await ctx.record(type, {
        targetId: group.id,
        ip,
        detail: { name: group.name, userId: user.id, source: 'oidc' },
      });
    }
  }
  if (role && role !== user.role) {
    user = (await ctx.repos.users.updateUser(user.id, { role })) ?? user;
    ctx.audit('role.changed', { userId: user.id, role, via: 'sso groups' });
    await ctx.record('role-changed', { targetId: user.id, ip, detail: { role, source: 'oidc groups' } });
  }
  if (user.pending === 1) {
    if (role === 'admin') {
      user = (await ctx.repos.users.updateUser(user.id, { pending: 0 })) ?? user;
    } else {
      ctx.audit('login.pending', { userId: user.id, ip, via: 'sso' });
      await ctx.record('sign-in-failed', {
        targetId: user.id,
        ip,
        detail: { method: 'oidc', reason: 'pending' },
      });
      throw new AppError('account_pending', 'This account is waiting for an admin to approve it.');
    }
  }
  ctx.audit('login', { userId: user.id, ip, via: 'sso' });
  await ctx.record('oidc-sign-in', {
    actorId: user.id,
    targetId: user.id,
    ip,
    detail: { issuer: identity.issuer, created, role: user.role },
  });
  return { user: userDto(user), created, ...(await startSession(ctx, user.id, userAgent)) };
}
