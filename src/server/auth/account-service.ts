import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertInvite, redeemInvite } from '../store/invites-repo.js';
import type { Role, UserRow } from '../store/schema.js';
import { deleteSession, deleteUserSessions, findSession, insertSession } from '../store/sessions-repo.js';
import {
  deleteApiToken,
  findApiTokenByHash,
  insertApiToken,
  listApiTokens,
  touchApiToken,
} from '../store/tokens-repo.js';
import { tokenUsage } from '../store/usage-repo.js';
import {
  countAccounts,
  countActiveAdmins,
  findUser,
  findUserByUsername,
  GUEST_USER_ID,
  insertUser,
  LOCAL_USER_ID,
  listAccounts,
  type UserPatch,
  updateUser,
} from '../store/users-repo.js';
import type { CounterStore } from './counters.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { randomSecret, sha256 } from './secrets.js';

/** Who a request acts as. */
export interface Principal {
  userId: string;
  role: Role;
  /** none: AUTH_MODE=none; guest: anonymous caller of a seed route; session: cookie; token: Bearer. */
  via: 'none' | 'guest' | 'session' | 'token';
  sessionId?: string;
  csrfToken?: string;
  /** The API token used, so usage can be counted per token too. */
  tokenId?: string;
}

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  tokenQuotaDaily: number | null;
  tokenQuotaMonthly: number | null;
}

export const SESSION_DAYS = 30;
const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
const FAILED_LOGINS_PER_ACCOUNT = 5;
const FAILED_LOGINS_PER_IP = 20;
const INVITE_DAYS = 7;
const RESERVED_USERNAMES = new Set(['local', 'guest', 'admin', 'root', 'system']);

export function userDto(row: UserRow): UserDto {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    tokenQuotaDaily: row.token_quota_daily,
    tokenQuotaMonthly: row.token_quota_monthly,
  };
}

const now = () => new Date().toISOString();

/**
 * An identity that just lost access: its open streams must end at once, on every instance.
 * `sessionId`/`tokenId` name one credential; `allCredentials` is every session and token of the
 * user (disabled, or "sign out everywhere"); `stopRuns` also stops the user's running replies.
 */
export interface RevokedIdentity {
  userId: string;
  sessionId?: string;
  tokenId?: string;
  allCredentials?: boolean;
  stopRuns?: boolean;
}

export interface AccountServiceDeps {
  /** Told after a credential is revoked (logout, token revoked, user disabled, password changed). */
  onRevoked?: (revoked: RevokedIdentity) => Promise<void>;
  store: Store;
  config: Pick<Config, 'signup' | 'authMode' | 'tokenQuotaDaily' | 'tokenQuotaMonthly'>;
  counters: CounterStore;
  logger: Logger;
  /** How long failed sign-ins are remembered; 15 minutes, shorter in tests. */
  loginWindowMs?: number;
}

/** Accounts, sessions, API tokens, invites and the admin's view of users. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  private get db() {
    return this.deps.store.db;
  }

  private audit(event: string, fields: Record<string, unknown>) {
    this.deps.logger.info({ audit: event, ...fields }, `audit: ${event}`);
  }

  private async revoked(revoked: RevokedIdentity): Promise<void> {
    await this.deps.onRevoked?.(revoked);
  }

  private requireAccounts() {
    if (this.deps.config.authMode === 'none') {
      throw new AppError('auth_disabled', 'Accounts are turned off on this server (AUTH_MODE=none).');
    }
  }

  async signup(
    input: { username: string; password: string; displayName?: string; inviteCode?: string },
    ip: string,
  ): Promise<{ user: UserDto; sessionToken: string; csrfToken: string }> {
    this.requireAccounts();
    const username = input.username.trim().toLowerCase();
    if (RESERVED_USERNAMES.has(username)) {
      throw new AppError('validation_error', `The username "${username}" is reserved; pick another.`);
    }
    const passwordHash = await hashPassword(input.password);
    const at = now();
    const displayName = input.displayName?.trim() || username;

    const userId = await this.db.transaction().execute(async (trx) => {
      if (await findUserByUsername(trx, username)) {
        throw new AppError('conflict', 'That username is taken.');
      }
      const first = (await countAccounts(trx)) === 0;
      if (first) {
        // The first account becomes the admin and takes over the built-in local user, so what was
        // written in AUTH_MODE=none (or before sign-up) stays with its owner.
        await updateUser(trx, LOCAL_USER_ID, {
          username,
          display_name: displayName,
          password_hash: passwordHash,
          role: 'admin',
          disabled: 0,
        });
        return LOCAL_USER_ID;
      }
      const id = newId();
      if (this.deps.config.signup === 'closed') {
        throw new AppError('signup_closed', 'Sign-up is closed on this server; ask an admin for an account.');
      }
      if (this.deps.config.signup === 'invite') {
        if (!input.inviteCode || !(await redeemInvite(trx, sha256(input.inviteCode), id, at))) {
          throw new AppError('signup_closed', 'Sign-up needs a valid invite code from an admin.');
        }
      }
      await insertUser(trx, {
        id,
        username,
        display_name: displayName,
        role: 'user',
        password_hash: passwordHash,
        created_at: at,
      });
      return id;
    });
    const user = (await findUser(this.db, userId)) as UserRow;
    this.audit('signup', { userId, username, role: user.role, ip });
    return { user: userDto(user), ...(await this.startSession(userId)) };
  }

  async login(
    input: { username: string; password: string },
    ip: string,
  ): Promise<{ user: UserDto; sessionToken: string; csrfToken: string }> {
    this.requireAccounts();
    const username = input.username.trim().toLowerCase();
    const accountKey = `login:account:${username}`;
    const ipKey = `login:ip:${ip}`;
    for (const [key, max] of [
      [accountKey, FAILED_LOGINS_PER_ACCOUNT],
      [ipKey, FAILED_LOGINS_PER_IP],
    ] as const) {
      const { count, resetInMs } = await this.deps.counters.peek(key);
      if (count >= max) {
        this.audit('login.throttled', { username, ip });
        throw new AppError('rate_limited', 'Too many failed sign-in attempts. Wait a while and try again.', {
          retryAfterSeconds: resetInMs / 1000,
        });
      }
    }
    const user = await findUserByUsername(this.db, username);
    // Verify against a decoy when the user does not exist, so timing does not reveal usernames.
    const ok = await verifyPassword(input.password, user?.password_hash ?? (await decoyHash()));
    if (!user?.password_hash || !ok || user.disabled === 1) {
      await this.deps.counters.hit(accountKey, this.deps.loginWindowMs ?? FAILED_LOGIN_WINDOW_MS);
      await this.deps.counters.hit(ipKey, this.deps.loginWindowMs ?? FAILED_LOGIN_WINDOW_MS);
      this.audit('login.failed', {
        username,
        ip,
        reason: !user ? 'unknown user' : ok ? 'disabled' : 'bad password',
      });
      throw new AppError('invalid_credentials', 'Wrong username or password.');
    }
    await this.deps.counters.reset(accountKey);
    this.audit('login', { userId: user.id, ip });
    return { user: userDto(user), ...(await this.startSession(user.id)) };
  }

  private async startSession(userId: string): Promise<{ sessionToken: string; csrfToken: string }> {
    const sessionToken = randomSecret();
    const csrfToken = randomSecret();
    const created = new Date();
    await insertSession(this.db, {
      id: sha256(sessionToken),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + SESSION_DAYS * 86_400_000).toISOString(),
    });
    return { sessionToken, csrfToken };
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId) await deleteSession(this.db, principal.sessionId);
    this.audit('logout', { userId: principal.userId });
    if (principal.sessionId) await this.revoked({ userId: principal.userId, sessionId: principal.sessionId });
  }

  /** The principal behind a session cookie; undefined if unknown, expired or the user is disabled. */
  async fromSession(sessionToken: string): Promise<Principal | undefined> {
    const found = await findSession(this.db, sha256(sessionToken), now());
    if (!found) return undefined;
    const user = await findUser(this.db, found.userId);
    if (!user || user.disabled === 1) return undefined;
    return {
      userId: user.id,
      role: user.role,
      via: 'session',
      sessionId: found.session.id,
      csrfToken: found.session.csrf_token,
    };
  }

  /** The principal behind an API token; undefined if revoked or the user is disabled. */
  async fromApiToken(token: string): Promise<Principal | undefined> {
    const row = await findApiTokenByHash(this.db, sha256(token));
    if (!row) return undefined;
    const user = await findUser(this.db, row.user_id);
    if (!user || user.disabled === 1) return undefined;
    // Recording every use would be a write per request; once a minute is enough to show activity.
    if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > 60_000) {
      await touchApiToken(this.db, row.id, now());
    }
    return { userId: user.id, role: user.role, via: 'token', tokenId: row.id };
  }

  async guest(): Promise<Principal | undefined> {
    const guest = await findUser(this.db, GUEST_USER_ID);
    return guest && guest.disabled === 0 ? { userId: guest.id, role: 'user', via: 'guest' } : undefined;
  }

  async me(userId: string): Promise<UserDto> {
    const user = await findUser(this.db, userId);
    if (!user) throw notFound('User');
    return userDto(user);
  }

  async createApiToken(userId: string, name: string) {
    const token = randomSecret('pk_');
    const row = {
      id: newId(),
      user_id: userId,
      name: name.trim(),
      token_hash: sha256(token),
      prefix: token.slice(0, 10),
      created_at: now(),
      last_used_at: null,
    };
    await insertApiToken(this.db, row);
    this.audit('token.created', { userId, tokenId: row.id, name: row.name });
    return { token, ...tokenDto(row) };
  }

  async listApiTokens(userId: string) {
    return (await listApiTokens(this.db, userId)).map(tokenDto);
  }

  async revokeApiToken(userId: string, id: string): Promise<void> {
    if (!(await deleteApiToken(this.db, userId, id))) throw notFound('Token');
    this.audit('token.revoked', { userId, tokenId: id });
    await this.revoked({ userId, tokenId: id });
  }

  async listUsers(limit: number, after?: string) {
    const rows = await listAccounts(this.db, limit + 1, after);
    const page = rows.slice(0, limit);
    const at = new Date();
    const items = await Promise.all(
      page.map(async (row) => ({ ...userDto(row), usage: await tokenUsage(this.db, row.id, at) })),
    );
    return { items, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  async updateUser(
    adminId: string,
    id: string,
    patch: {
      disabled?: boolean;
      role?: Role;
      tokenQuotaDaily?: number | null;
      tokenQuotaMonthly?: number | null;
    },
  ): Promise<UserDto> {
    const user = await findUser(this.db, id);
    if (!user?.password_hash) throw notFound('User');
    const losesAdmin = user.role === 'admin' && (patch.role === 'user' || patch.disabled === true);
    if (losesAdmin && (await countActiveAdmins(this.db)) <= 1) {
      throw new AppError('conflict', 'This is the last admin: make someone else admin first.');
    }
    const changes: UserPatch = {};
    if (patch.disabled !== undefined) changes.disabled = patch.disabled ? 1 : 0;
    if (patch.role !== undefined) changes.role = patch.role;
    if (patch.tokenQuotaDaily !== undefined) changes.token_quota_daily = patch.tokenQuotaDaily;
    if (patch.tokenQuotaMonthly !== undefined) changes.token_quota_monthly = patch.tokenQuotaMonthly;
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await updateUser(trx, id, changes);
      // Disabling takes effect at once: the user's sessions end (tokens are refused at lookup).
      if (patch.disabled === true) await deleteUserSessions(trx, id);
      return row as UserRow;
    });
    this.audit('user.updated', { adminId, userId: id, changes: patch });
    if (patch.disabled === true) await this.revoked({ userId: id, allCredentials: true, stopRuns: true });
    return userDto(updated);
  }

  async createInvite(adminId: string): Promise<{ code: string; expiresAt: string }> {
    const code = randomSecret('inv_');
    const created = new Date();
    const expiresAt = new Date(created.getTime() + INVITE_DAYS * 86_400_000).toISOString();
    await insertInvite(this.db, {
      id: newId(),
      code_hash: sha256(code),
      created_by: adminId,
      created_at: created.toISOString(),
      expires_at: expiresAt,
    });
    this.audit('invite.created', { adminId });
    return { code, expiresAt };
  }
}

function tokenDto(row: {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  tokens_used?: number | string;
}) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    // pg returns bigint as a string.
    tokensUsed: Number(row.tokens_used ?? 0),
  };
}
