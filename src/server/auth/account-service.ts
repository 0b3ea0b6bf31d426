import { notFound } from '../errors.js';
import {
  AccountContext,
  type AccountServiceDeps,
  type NewSession,
  type Principal,
  type UserDto,
  userDto,
} from './account-context.js';
import * as accountDeletion from './account-deletion.js';
import * as adminSessions from './admin-sessions.js';
import * as adminUsers from './admin-users.js';
import * as apiTokens from './api-tokens.js';
import type { AuditLog, AuditQuery } from './audit-log.js';
import * as startup from './bootstrap.js';
import type { HashQueue } from './hash-queue.js';
import * as passwordChange from './password-change.js';
import * as sessions from './sessions.js';
import * as signIn from './sign-in.js';
import * as signUp from './sign-up.js';
import * as sso from './sso-sign-in.js';

export type { AccountServiceDeps, Principal, RevokedIdentity, UserDto } from './account-context.js';
export { userDto } from './account-context.js';
export type { SessionInfo } from './sessions.js';
export { MAX_SESSIONS_PER_USER, SESSION_DAYS } from './sessions.js';

/**
 * Accounts, sessions, API tokens, invites and the admin's view of users: one entry point for the
 * routes; each job lives in its own module (sign-up.ts, sign-in.ts, sessions.ts, ...).
 */
export class AccountService {
  private readonly ctx: AccountContext;
  /** Every password hash and verification goes through it (public for its counters). */
  readonly hashes: HashQueue;
  /** The stored audit log (other sign-in paths, such as OIDC, record through it too). */
  readonly auditLog: AuditLog;
  private housekeeping: NodeJS.Timeout | undefined;
  private accountsExist = false;

  constructor(deps: AccountServiceDeps) {
    this.ctx = new AccountContext(deps);
    this.hashes = this.ctx.hashes;
    this.auditLog = this.ctx.auditLog;
  }

  signup(
    input: signUp.SignupInput,
    ip: string,
    userAgent?: string,
  ): Promise<{ user: UserDto; session?: NewSession }> {
    return signUp.signup(this.ctx, input, ip, userAgent);
  }

  login(
    input: { username: string; password: string },
    ip: string,
    userAgent?: string,
  ): Promise<{ user: UserDto } & NewSession> {
    return signIn.login(this.ctx, input, ip, userAgent);
  }

  /** Sign in with an identity the OpenID provider vouched for (see sso-sign-in.ts). */
  signInWithIdentity(
    settings: sso.SsoSettings,
    identity: sso.VerifiedIdentity,
    ip: string,
    userAgent?: string,
  ): Promise<{ user: UserDto; created: boolean } & NewSession> {
    return sso.signInWithIdentity(this.ctx, settings, identity, ip, userAgent);
  }

  /** Whether the user signs in through this OpenID provider (for RP-initiated logout). */
  async hasIdentityAt(userId: string, issuer: string): Promise<boolean> {
    const identities = await this.ctx.repos.identities.listUserIdentities(userId);
    return identities.some((identity) => identity.issuer === issuer);
  }

  logout(principal: Principal, ip?: string): Promise<void> {
    return sessions.logout(this.ctx, principal, ip);
  }

  fromSession(sessionToken: string): Promise<Principal | undefined> {
    return sessions.fromSession(this.ctx, sessionToken);
  }

  fromApiToken(token: string): Promise<Principal | undefined> {
    return apiTokens.fromApiToken(this.ctx, token);
  }

  async me(userId: string): Promise<UserDto> {
    const user = await this.ctx.repos.users.findUser(userId);
    if (!user) throw notFound('User');
    return userDto(user);
  }

  /** Whether the account signs in with a password (not single sign-on only, not built in). */
  async hasPassword(userId: string): Promise<boolean> {
    const hash = (await this.ctx.repos.users.findUser(userId))?.password_hash;
    return Boolean(hash) && hash !== accountDeletion.SSO_ONLY_PASSWORD;
  }

  createApiToken(
    principal: Principal,
    input: { name: string; dailyTokenBudget?: number | null },
    ip?: string,
  ) {
    return apiTokens.createApiToken(this.ctx, principal, input, ip);
  }

  setApiTokenBudget(principal: Principal, id: string, budget: number | null) {
    return apiTokens.setApiTokenBudget(this.ctx, principal, id, budget);
  }

  updateProfile(principal: Principal, input: { displayName: string }): Promise<UserDto> {
    return accountDeletion.updateProfile(this.ctx, principal, input);
  }

  deleteAccount(principal: Principal, input: { password?: string; confirm?: string }, ip?: string) {
    return accountDeletion.deleteAccount(this.ctx, principal, input, ip);
  }

  listApiTokens(userId: string) {
    return apiTokens.listApiTokens(this.ctx, userId);
  }

  revokeApiToken(userId: string, id: string, ip?: string): Promise<void> {
    return apiTokens.revokeApiToken(this.ctx, userId, id, ip);
  }

  listUsers(limit: number, after?: string, search?: string) {
    return adminUsers.listUsers(this.ctx, limit, after, search);
  }

  updateUser(adminId: string, id: string, patch: adminUsers.UserUpdate, ip?: string): Promise<UserDto> {
    return adminUsers.updateUser(this.ctx, adminId, id, patch, ip);
  }

  createInvite(adminId: string, options: adminUsers.InviteOptions = {}, ip?: string) {
    return adminUsers.createInvite(this.ctx, adminId, options, ip);
  }

  listInvites(): Promise<{ items: adminUsers.InviteDto[] }> {
    return adminUsers.listInvites(this.ctx);
  }

  revokeInvite(adminId: string, id: string, ip?: string): Promise<void> {
    return adminUsers.revokeInvite(this.ctx, adminId, id, ip);
  }

  listAudit(query: AuditQuery) {
    return this.ctx.auditLog.list(query);
  }

  changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    ip: string,
  ): Promise<{ endedSessions: number }> {
    return passwordChange.changePassword(this.ctx, principal, input, ip);
  }

  listSessions(principal: Principal): Promise<sessions.SessionInfo[]> {
    return sessions.listSessions(this.ctx, principal);
  }

  endAllSessions(principal: Principal): Promise<{ endedSessions: number }> {
    return sessions.endAllSessions(this.ctx, principal);
  }

  /** An admin's view of a user's sessions (admin-sessions.ts). */
  listUserSessions(userId: string): Promise<adminSessions.AdminSessionInfo[]> {
    return adminSessions.listUserSessions(this.ctx, userId);
  }

  signOutUser(adminId: string, userId: string, ip?: string): Promise<{ endedSessions: number }> {
    return adminSessions.signOutUser(this.ctx, adminId, userId, ip);
  }

  createResetLink(
    adminId: string,
    userId: string,
    origin: string,
    ip?: string,
  ): Promise<{ url: string; expiresAt: string }> {
    return passwordChange.createResetLink(this.ctx, adminId, userId, origin, ip);
  }

  resetPassword(input: { token: string; newPassword: string }, ip: string): Promise<void> {
    return passwordChange.resetPassword(this.ctx, input, ip);
  }

  /**
   * Whether the next sign-up is the first account (see bootstrap.ts). Once there are accounts it
   * is not asked again: a public, unauthenticated route should not count the users table each time.
   */
  async signUpState(): Promise<{ firstAccount: boolean; setupCodeRequired: boolean }> {
    if (this.accountsExist) return { firstAccount: false, setupCodeRequired: false };
    const state = await startup.signUpState(this.ctx);
    if (!state.firstAccount) this.accountsExist = true;
    return state;
  }

  bootstrap(): Promise<void> {
    return startup.bootstrap(this.ctx);
  }

  purgeExpired(): Promise<void> {
    return startup.purgeExpired(this.ctx);
  }

  startHousekeeping(intervalMs = 60 * 60_000): void {
    this.housekeeping ??= setInterval(() => {
      this.purgeExpired().catch((error) =>
        this.ctx.logger.warn({ err: error }, 'purging expired credentials failed'),
      );
    }, intervalMs).unref();
  }

  stopHousekeeping(): void {
    clearInterval(this.housekeeping);
    this.housekeeping = undefined;
  }
}
