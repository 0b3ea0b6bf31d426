import { notFound } from '../errors.js';
import {
  AccountContext,
  type AccountServiceDeps,
  type NewSession,
  type Principal,
  type UserDto,
  userDto,
} from './account-context.js';
import * as adminUsers from './admin-users.js';
import * as apiTokens from './api-tokens.js';
import * as startup from './bootstrap.js';
import type { HashQueue } from './hash-queue.js';
import * as passwordChange from './password-change.js';
import * as sessions from './sessions.js';
import * as signIn from './sign-in.js';
import * as signUp from './sign-up.js';

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
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(deps: AccountServiceDeps) {
    this.ctx = new AccountContext(deps);
    this.hashes = this.ctx.hashes;
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

  logout(principal: Principal): Promise<void> {
    return sessions.logout(this.ctx, principal);
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

  createApiToken(userId: string, name: string) {
    return apiTokens.createApiToken(this.ctx, userId, name);
  }

  listApiTokens(userId: string) {
    return apiTokens.listApiTokens(this.ctx, userId);
  }

  revokeApiToken(userId: string, id: string): Promise<void> {
    return apiTokens.revokeApiToken(this.ctx, userId, id);
  }

  listUsers(limit: number, after?: string) {
    return adminUsers.listUsers(this.ctx, limit, after);
  }

  updateUser(adminId: string, id: string, patch: adminUsers.UserUpdate): Promise<UserDto> {
    return adminUsers.updateUser(this.ctx, adminId, id, patch);
  }

  createInvite(adminId: string): Promise<{ code: string; expiresAt: string }> {
    return adminUsers.createInvite(this.ctx, adminId);
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

  createResetLink(
    adminId: string,
    userId: string,
    origin: string,
  ): Promise<{ url: string; expiresAt: string }> {
    return passwordChange.createResetLink(this.ctx, adminId, userId, origin);
  }

  resetPassword(input: { token: string; newPassword: string }, ip: string): Promise<void> {
    return passwordChange.resetPassword(this.ctx, input, ip);
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
