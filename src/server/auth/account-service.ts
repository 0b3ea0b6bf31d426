import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { deleteExpiredInvites, findUsableInvite, insertInvite, redeemInvite } from '../store/invites-repo.js';
import {
  claimPasswordReset,
  deleteExpiredPasswordResets,
  findPasswordReset,
  replacePasswordReset,
} from '../store/password-resets-repo.js';
import type { Role, UserRow } from '../store/schema.js';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
  findSession,
  insertSession,
  listUserSessions,
  touchSession,
  trimUserSessions,
} from '../store/sessions-repo.js';
import {
  claimSetupCode,
  deleteSetupCodes,
  findSetupCode,
  insertSetupCode,
} from '../store/setup-codes-repo.js';
import {
  deleteApiToken,
  findApiTokenByHash,
  insertApiToken,
  listApiTokens,
  touchApiToken,
} from '../store/tokens-repo.js';
import { tokenUsage } from '../store/usage-repo.js';
import {
  claimLocalUser,
  countAccounts,
  countActiveAdmins,
  findUser,
  findUserByUsername,
  insertUser,
  listAccounts,
  replacePasswordHash,
  type UserPatch,
  updateUser,
} from '../store/users-repo.js';
import { LOCAL_USER_ID } from './builtin-users.js';
import type { CounterStore } from './counters.js';
import { HashQueue } from './hash-queue.js';
import { LoginThrottle } from './login-throttle.js';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
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
  /** Waiting for an admin's approval (SIGNUP=approval): cannot sign in yet. */
  pending: boolean;
  createdAt: string;
  tokenQuotaDaily: number | null;
  tokenQuotaMonthly: number | null;
}

export const SESSION_DAYS = 30;
const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
const INVITE_DAYS = 7;
const RESET_LINK_MS = 60 * 60_000;
const SETUP_CODE_MS = 24 * 60 * 60_000;
/** Oldest sessions beyond this are dropped, so a user's session list stays bounded. */
export const MAX_SESSIONS_PER_USER = 100;
const USER_AGENT_CHARS = 200;
const RESERVED_USERNAMES = new Set(['local', 'guest', 'admin', 'root', 'system']);

export function userDto(row: UserRow): UserDto {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    disabled: row.disabled === 1,
    pending: row.pending === 1,
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
  config: Pick<
    Config,
    | 'signup'
    | 'authMode'
    | 'tokenQuotaDaily'
    | 'tokenQuotaMonthly'
    | 'publiclyReachable'
    | 'adminUsername'
    | 'adminPassword'
  >;
  counters: CounterStore;
  logger: Logger;
  /** How long failed sign-ins are remembered; 15 minutes, shorter in tests. */
  loginWindowMs?: number;
  /** Bounds concurrent password hashing (2 at once, 16 waiting by default). */
  hashQueue?: HashQueue;
}

export interface SessionInfo {
  /** Not the cookie: a prefix of its hash, enough to tell sessions apart. */
  id: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string | null;
  userAgent: string | null;
  current: boolean;
}

type NewSession = { sessionToken: string; csrfToken: string };

/** Accounts, sessions, API tokens, invites and the admin's view of users. */
export class AccountService {
  private readonly throttle: LoginThrottle;
  /** Every password hash and verification goes through it (public for its counters). */
  readonly hashes: HashQueue;
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AccountServiceDeps) {
    const windowMs = deps.loginWindowMs ?? FAILED_LOGIN_WINDOW_MS;
    this.throttle = new LoginThrottle(deps.counters, {
      addressWindowMs: windowMs,
      firstLockMs: Math.min(windowMs, 60_000),
    });
    this.hashes = deps.hashQueue ?? new HashQueue();
  }

  /** Hash and verify through the bounded queue (503 + Retry-After when it is full). */
  private hash(password: string): Promise<string> {
    return this.hashes.run(() => hashPassword(password));
  }

  private verify(password: string, stored: string | null | undefined): Promise<boolean> {
    // Verify against a decoy when there is no hash, so timing does not reveal usernames.
    return this.hashes.run(async () => verifyPassword(password, stored ?? (await decoyHash())));
  }

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

  /**
   * Everything that can refuse a sign-up is checked here, before the (deliberately slow) hash: a
   * taken name, a closed server or a missing code costs a query, not a hash. The transaction in
   * `signup` claims the same things again atomically.
   */
  private async signupPlan(
    username: string,
    input: { inviteCode?: string; setupCode?: string },
  ): Promise<'first' | 'later'> {
    if (await findUserByUsername(this.db, username))
      throw new AppError('conflict', 'That username is taken.');
    if ((await countAccounts(this.db)) === 0) {
      if (!this.deps.config.publiclyReachable) return 'first';
      if (input.setupCode && (await findSetupCode(this.db, sha256(input.setupCode), now()))) return 'first';
      throw setupRequired();
    }
    if (this.deps.config.signup === 'closed') throw signupClosed();
    if (this.deps.config.signup === 'invite') {
      if (!input.inviteCode || !(await findUsableInvite(this.db, sha256(input.inviteCode), now()))) {
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
  async signup(
    input: {
      username: string;
      password: string;
      displayName?: string;
      inviteCode?: string;
      setupCode?: string;
    },
    ip: string,
    userAgent?: string,
  ): Promise<{ user: UserDto; session?: NewSession }> {
    this.requireAccounts();
    const username = input.username.trim().toLowerCase();
    if (RESERVED_USERNAMES.has(username)) {
      throw new AppError('validation_error', `The username "${username}" is reserved; pick another.`);
    }
    const plan = await this.signupPlan(username, input);
    const passwordHash = await this.hash(input.password);
    const at = now();
    const displayName = input.displayName?.trim() || username;

    const userId = await this.db.transaction().execute(async (trx) => {
      if (await findUserByUsername(trx, username)) {
        throw new AppError('conflict', 'That username is taken.');
      }
      if (plan === 'first') {
        const { publiclyReachable } = this.deps.config;
        // Single use: the code is deleted as it is claimed; of two parallel sign-ups one wins.
        if (publiclyReachable && !(await claimSetupCode(trx, sha256(input.setupCode ?? ''), at))) {
          throw setupRequired();
        }
        const claimed = await claimLocalUser(trx, LOCAL_USER_ID, {
          username,
          display_name: displayName,
          password_hash: passwordHash,
        });
        if (claimed) {
          if (publiclyReachable) await deleteSetupCodes(trx);
          return LOCAL_USER_ID;
        }
        // Another sign-up became the admin a moment ago: on a public address the code was theirs
        // (roll back); on a loopback one this becomes an ordinary sign-up.
        if (publiclyReachable) throw setupRequired();
      }
      const id = newId();
      const { signup } = this.deps.config;
      if (signup === 'closed') throw signupClosed();
      if (signup === 'invite') {
        if (!input.inviteCode || !(await redeemInvite(trx, sha256(input.inviteCode), id, at))) {
          throw inviteRequired();
        }
      }
      await insertUser(trx, {
        id,
        username,
        display_name: displayName,
        role: 'user',
        password_hash: passwordHash,
        created_at: at,
        pending: signup === 'approval' ? 1 : 0,
      });
      return id;
    });
    const user = (await findUser(this.db, userId)) as UserRow;
    this.audit('signup', { userId, username, role: user.role, pending: user.pending === 1, ip });
    if (user.pending === 1) return { user: userDto(user) };
    return { user: userDto(user), session: await this.startSession(userId, userAgent) };
  }

  async login(
    input: { username: string; password: string },
    ip: string,
    userAgent?: string,
  ): Promise<{ user: UserDto } & NewSession> {
    this.requireAccounts();
    const username = input.username.trim().toLowerCase();
    // The attempt is counted before the password is checked (see LoginThrottle).
    try {
      await this.throttle.reserve('login', username, ip);
    } catch (error) {
      this.audit('login.throttled', { username, ip });
      throw error;
    }
    const user = await findUserByUsername(this.db, username);
    const ok = await this.verify(input.password, user?.password_hash);
    if (!user?.password_hash || !ok || user.disabled === 1) {
      await this.throttle.failed('login', username, ip);
      this.audit('login.failed', {
        username,
        ip,
        reason: !user?.password_hash ? 'unknown user' : ok ? 'disabled' : 'bad password',
      });
      throw new AppError('invalid_credentials', 'Wrong username or password.');
    }
    await this.throttle.succeeded('login', username, ip);
    // Said only after the right password, so it reveals nothing to a guesser.
    if (user.pending === 1) {
      this.audit('login.pending', { userId: user.id, ip });
      throw new AppError('account_pending', 'This account is waiting for an admin to approve it.');
    }
    await this.upgradeHash(user, input.password);
    this.audit('login', { userId: user.id, ip });
    return { user: userDto(user), ...(await this.startSession(user.id, userAgent)) };
  }

  /** A hash made with weaker parameters than today's is replaced while the password is at hand. */
  private async upgradeHash(user: UserRow, password: string): Promise<void> {
    if (!user.password_hash || !needsRehash(user.password_hash)) return;
    try {
      // Only if the hash is still the one verified: a password changed meanwhile wins.
      if (await replacePasswordHash(this.db, user.id, user.password_hash, await this.hash(password))) {
        this.audit('password.rehashed', { userId: user.id });
      }
    } catch (error) {
      // Busy (hash queue full): the next sign-in upgrades it.
      if (!(error instanceof AppError)) throw error;
    }
  }

  private async startSession(userId: string, userAgent?: string): Promise<NewSession> {
    const sessionToken = randomSecret();
    const csrfToken = randomSecret();
    const created = new Date();
    await insertSession(this.db, {
      id: sha256(sessionToken),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + SESSION_DAYS * 86_400_000).toISOString(),
      user_agent: userAgent ? userAgent.slice(0, USER_AGENT_CHARS) : null,
      last_seen_at: created.toISOString(),
    });
    for (const id of await trimUserSessions(this.db, userId, MAX_SESSIONS_PER_USER)) {
      await this.revoked({ userId, sessionId: id });
    }
    return { sessionToken, csrfToken };
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId) await deleteSession(this.db, principal.sessionId);
    this.audit('logout', { userId: principal.userId });
    if (principal.sessionId) await this.revoked({ userId: principal.userId, sessionId: principal.sessionId });
  }

  /** The principal behind a session cookie; undefined if unknown, expired or the user is disabled. */
  async fromSession(sessionToken: string): Promise<Principal | undefined> {
    const at = now();
    const found = await findSession(this.db, sha256(sessionToken), at);
    if (!found) return undefined;
    const user = await findUser(this.db, found.userId);
    if (!user || user.disabled === 1 || user.pending === 1) return undefined;
    // For the session list; once a minute is enough and keeps reads from becoming writes.
    const seen = found.session.last_seen_at;
    if (!seen || Date.parse(at) - Date.parse(seen) > 60_000)
      await touchSession(this.db, found.session.id, at);
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
    if (!user || user.disabled === 1 || user.pending === 1) return undefined;
    // Recording every use would be a write per request; once a minute is enough to show activity.
    if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > 60_000) {
      await touchApiToken(this.db, row.id, now());
    }
    return { userId: user.id, role: user.role, via: 'token', tokenId: row.id };
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
      approved?: boolean;
      role?: Role;
      tokenQuotaDaily?: number | null;
      tokenQuotaMonthly?: number | null;
    },
  ): Promise<UserDto> {
    const user = await findUser(this.db, id);
    if (!user?.password_hash) throw notFound('User');
    const losesAdmin =
      user.role === 'admin' && (patch.role === 'user' || patch.disabled === true || patch.approved === false);
    if (losesAdmin && (await countActiveAdmins(this.db)) <= 1) {
      throw new AppError('conflict', 'This is the last admin: make someone else admin first.');
    }
    const changes: UserPatch = {};
    if (patch.disabled !== undefined) changes.disabled = patch.disabled ? 1 : 0;
    if (patch.approved !== undefined) changes.pending = patch.approved ? 0 : 1;
    if (patch.role !== undefined) changes.role = patch.role;
    if (patch.tokenQuotaDaily !== undefined) changes.token_quota_daily = patch.tokenQuotaDaily;
    if (patch.tokenQuotaMonthly !== undefined) changes.token_quota_monthly = patch.tokenQuotaMonthly;
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await updateUser(trx, id, changes);
      // Disabling (or un-approving) takes effect at once: the user's sessions end (tokens are
      // refused at lookup).
      if (patch.disabled === true || patch.approved === false) await deleteUserSessions(trx, id);
      return row as UserRow;
    });
    this.audit('user.updated', { adminId, userId: id, changes: patch });
    if (patch.approved === true && user.pending === 1) this.audit('user.approved', { adminId, userId: id });
    if (patch.disabled === true || patch.approved === false) {
      await this.revoked({ userId: id, allCredentials: true, stopRuns: true });
    }
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

  /** Change one's own password: needs the current one (throttled like sign-in); ends the other sessions. */
  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    ip: string,
  ): Promise<{ endedSessions: number }> {
    this.requireAccounts();
    const user = await findUser(this.db, principal.userId);
    if (!user?.password_hash) throw new AppError('bad_request', 'This account has no password to change.');
    await this.throttle.reserve('password', user.id, ip);
    if (!(await this.verify(input.currentPassword, user.password_hash))) {
      await this.throttle.failed('password', user.id, ip);
      this.audit('password.change_failed', { userId: user.id, ip });
      throw new AppError('forbidden', 'The current password is wrong.');
    }
    await this.throttle.succeeded('password', user.id, ip);
    const passwordHash = await this.hash(input.newPassword);
    const ended = await this.db.transaction().execute(async (trx) => {
      await updateUser(trx, user.id, { password_hash: passwordHash });
      // Keeps the session that made the change (a token-made change keeps no session).
      return deleteUserSessions(trx, user.id, principal.sessionId);
    });
    this.audit('password.changed', { userId: user.id, ip, endedSessions: ended.length });
    await this.revokeSessions(user.id, ended);
    return { endedSessions: ended.length };
  }

  /** This user's live sessions, newest first (bounded by MAX_SESSIONS_PER_USER). */
  async listSessions(principal: Principal): Promise<SessionInfo[]> {
    const rows = await listUserSessions(this.db, principal.userId, now(), MAX_SESSIONS_PER_USER);
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
  async endAllSessions(principal: Principal): Promise<{ endedSessions: number }> {
    const ended = await deleteUserSessions(this.db, principal.userId);
    this.audit('sessions.ended', { userId: principal.userId, endedSessions: ended.length });
    await this.revokeSessions(principal.userId, ended);
    return { endedSessions: ended.length };
  }

  private async revokeSessions(userId: string, sessionIds: string[]): Promise<void> {
    for (const sessionId of sessionIds) await this.revoked({ userId, sessionId });
  }

  /**
   * An admin-issued one-time link to set a new password (1 h; a newer link replaces it). Only the
   * token's hash is stored; the token is in the URL's fragment, which browsers do not send to
   * servers or in Referer headers.
   */
  async createResetLink(
    adminId: string,
    userId: string,
    origin: string,
  ): Promise<{ url: string; expiresAt: string }> {
    this.requireAccounts();
    const user = await findUser(this.db, userId);
    if (!user?.password_hash) throw notFound('User');
    const token = randomSecret('rst_');
    const created = new Date();
    const expiresAt = new Date(created.getTime() + RESET_LINK_MS).toISOString();
    await this.db.transaction().execute((trx) =>
      replacePasswordReset(trx, {
        id: newId(),
        user_id: userId,
        token_hash: sha256(token),
        created_by: adminId,
        created_at: created.toISOString(),
        expires_at: expiresAt,
      }),
    );
    this.audit('reset_link.created', { adminId, userId });
    return { url: `${origin.replace(/\/+$/, '')}/reset#token=${token}`, expiresAt };
  }

  /** Use a reset link: sets the password and ends every session of the user. */
  async resetPassword(input: { token: string; newPassword: string }, ip: string): Promise<void> {
    this.requireAccounts();
    const tokenHash = sha256(input.token);
    // A wrong or used token costs a query, never a hash.
    if (!(await findPasswordReset(this.db, tokenHash, now()))) throw invalidResetLink();
    const passwordHash = await this.hash(input.newPassword);
    const { userId, ended } = await this.db.transaction().execute(async (trx) => {
      const owner = await claimPasswordReset(trx, tokenHash, now());
      if (!owner) throw invalidResetLink();
      await updateUser(trx, owner, { password_hash: passwordHash });
      return { userId: owner, ended: await deleteUserSessions(trx, owner) };
    });
    this.audit('password.reset', { userId, ip, endedSessions: ended.length });
    await this.revokeSessions(userId, ended);
  }

  /**
   * At start: drop what has expired, then make sure a public install cannot be taken over. With
   * ADMIN_USERNAME/ADMIN_PASSWORD and no admin yet, that admin is created (or given the
   * password); otherwise a public install without accounts prints a one-time setup code.
   */
  async bootstrap(): Promise<void> {
    await this.purgeExpired();
    if (this.deps.config.authMode === 'none') return;
    if ((await countActiveAdmins(this.db)) > 0) {
      await deleteSetupCodes(this.db);
      return;
    }
    const { adminUsername, adminPassword, publiclyReachable } = this.deps.config;
    if (adminUsername && adminPassword) {
      await this.bootstrapAdmin(adminUsername, adminPassword);
      return;
    }
    if (!publiclyReachable || (await countAccounts(this.db)) > 0) return;
    const code = randomSecret('setup_');
    const created = new Date();
    await insertSetupCode(this.db, {
      code_hash: sha256(code),
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + SETUP_CODE_MS).toISOString(),
    });
    // The one secret Parley ever logs, once, on purpose: the operator reads it from the log.
    this.deps.logger.warn(
      `No admin yet and this server is reachable from other machines: the first account becomes admin only with the one-time setup code ${code} (sign-up field "setupCode"). It works once, for 24 h; a restart prints a new one. Or set ADMIN_USERNAME and ADMIN_PASSWORD.`,
    );
  }

  private async bootstrapAdmin(rawUsername: string, password: string): Promise<void> {
    const username = rawUsername.trim().toLowerCase();
    const passwordHash = await this.hash(password);
    const existing = await findUserByUsername(this.db, username);
    if (existing?.password_hash) {
      await updateUser(this.db, existing.id, {
        password_hash: passwordHash,
        role: 'admin',
        disabled: 0,
        pending: 0,
      });
      this.audit('admin.bootstrap', { userId: existing.id, username, created: false });
      return;
    }
    if (existing && existing.id !== LOCAL_USER_ID) {
      this.deps.logger.error(
        `ADMIN_USERNAME "${username}" names a built-in or guest user; choose another name.`,
      );
      return;
    }
    if (
      await claimLocalUser(this.db, LOCAL_USER_ID, {
        username,
        display_name: username,
        password_hash: passwordHash,
      })
    ) {
      await deleteSetupCodes(this.db);
      this.audit('admin.bootstrap', { userId: LOCAL_USER_ID, username, created: true });
    }
  }

  /** Expired sessions, invites, reset links and setup codes (at start and hourly). */
  async purgeExpired(): Promise<void> {
    const at = now();
    const purged = {
      sessions: await deleteExpiredSessions(this.db, at),
      invites: await deleteExpiredInvites(this.db, at),
      resetLinks: await deleteExpiredPasswordResets(this.db, at),
      setupCodes: await deleteSetupCodes(this.db, at),
    };
    if (Object.values(purged).some((n) => n > 0))
      this.deps.logger.info({ purged }, 'purged expired credentials');
  }

  startHousekeeping(intervalMs = 60 * 60_000): void {
    this.housekeeping ??= setInterval(() => {
      this.purgeExpired().catch((error) =>
        this.deps.logger.warn({ err: error }, 'purging expired credentials failed'),
      );
    }, intervalMs).unref();
  }

  stopHousekeeping(): void {
    clearInterval(this.housekeeping);
    this.housekeeping = undefined;
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

const setupRequired = () =>
  new AppError(
    'setup_required',
    'This server has no admin yet: enter the one-time setup code that the server printed in its log (API field setupCode).',
  );
const signupClosed = () =>
  new AppError('signup_closed', 'Sign-up is closed on this server; ask an admin for an account.');
const inviteRequired = () =>
  new AppError('signup_closed', 'Sign-up needs a valid invite code from an admin.');
const invalidResetLink = () =>
  new AppError(
    'bad_request',
    'This reset link is not valid: it was used, replaced or has expired. Ask an admin for a new one.',
  );
