import { notFound } from '../errors.js';
import { AccountContext, userDto, } from './account-context.js';
import * as adminUsers from './admin-users.js';
import * as apiTokens from './api-tokens.js';
import * as startup from './bootstrap.js';
import * as passwordChange from './password-change.js';
import * as sessions from './sessions.js';
import * as signIn from './sign-in.js';
import * as signUp from './sign-up.js';
export { userDto } from './account-context.js';
export { MAX_SESSIONS_PER_USER, SESSION_DAYS } from './sessions.js';
/**
 * Accounts, sessions, API tokens, invites and the admin's view of users: one entry point for the
 * routes; each job lives in its own module (sign-up.ts, sign-in.ts, sessions.ts, ...).
 */
export class AccountService {
    ctx;
    /** Every password hash and verification goes through it (public for its counters). */
    hashes;
    housekeeping;
    constructor(deps) {
        this.ctx = new AccountContext(deps);
        this.hashes = this.ctx.hashes;
    }
    signup(input, ip, userAgent) {
        return signUp.signup(this.ctx, input, ip, userAgent);
    }
    login(input, ip, userAgent) {
        return signIn.login(this.ctx, input, ip, userAgent);
    }
    logout(principal) {
        return sessions.logout(this.ctx, principal);
    }
    fromSession(sessionToken) {
        return sessions.fromSession(this.ctx, sessionToken);
    }
    fromApiToken(token) {
        return apiTokens.fromApiToken(this.ctx, token);
    }
    async me(userId) {
        const user = await this.ctx.repos.users.findUser(userId);
        if (!user)
            throw notFound('User');
        return userDto(user);
    }
    createApiToken(userId, name) {
        return apiTokens.createApiToken(this.ctx, userId, name);
    }
    listApiTokens(userId) {
        return apiTokens.listApiTokens(this.ctx, userId);
    }
    revokeApiToken(userId, id) {
        return apiTokens.revokeApiToken(this.ctx, userId, id);
    }
    listUsers(limit, after) {
        return adminUsers.listUsers(this.ctx, limit, after);
    }
    updateUser(adminId, id, patch) {
        return adminUsers.updateUser(this.ctx, adminId, id, patch);
    }
    createInvite(adminId) {
        return adminUsers.createInvite(this.ctx, adminId);
    }
    changePassword(principal, input, ip) {
        return passwordChange.changePassword(this.ctx, principal, input, ip);
    }
    listSessions(principal) {
        return sessions.listSessions(this.ctx, principal);
    }
    endAllSessions(principal) {
        return sessions.endAllSessions(this.ctx, principal);
    }
    createResetLink(adminId, userId, origin) {
        return passwordChange.createResetLink(this.ctx, adminId, userId, origin);
    }
    resetPassword(input, ip) {
        return passwordChange.resetPassword(this.ctx, input, ip);
    }
    bootstrap() {
        return startup.bootstrap(this.ctx);
    }
    purgeExpired() {
        return startup.purgeExpired(this.ctx);
    }
    startHousekeeping(intervalMs = 60 * 60_000) {
        this.housekeeping ??= setInterval(() => {
            this.purgeExpired().catch((error) => this.ctx.logger.warn({ err: error }, 'purging expired credentials failed'));
        }, intervalMs).unref();
    }
    stopHousekeeping() {
        clearInterval(this.housekeeping);
        this.housekeeping = undefined;
    }
}
