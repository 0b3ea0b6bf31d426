import { type AccountContext, now } from './account-context.js';
import { LOCAL_USER_ID } from './builtin-users.js';
import { randomSecret, sha256 } from './secrets.js';

const SETUP_CODE_MS = 24 * 60 * 60_000;

/**
 * At start: drop what has expired, then make sure a public install cannot be taken over. With
 * ADMIN_USERNAME/ADMIN_PASSWORD and no admin yet, that admin is created (or given the
 * password); otherwise a public install without accounts prints a one-time setup code.
 */
export async function bootstrap(ctx: AccountContext): Promise<void> {
  await purgeExpired(ctx);
  if (ctx.config.authMode === 'none') return;
  if ((await ctx.repos.users.countActiveAdmins()) > 0) {
    await ctx.repos.setupCodes.deleteSetupCodes();
    return;
  }
  const { adminUsername, adminPassword, publiclyReachable } = ctx.config;
  if (adminUsername && adminPassword) {
    await bootstrapAdmin(ctx, adminUsername, adminPassword);
    return;
  }
  if (!publiclyReachable || (await ctx.repos.users.countAccounts()) > 0) return;
  const code = randomSecret('setup_');
  const created = new Date();
  await ctx.repos.setupCodes.insertSetupCode({
    code_hash: sha256(code),
    created_at: created.toISOString(),
    expires_at: new Date(created.getTime() + SETUP_CODE_MS).toISOString(),
  });
  // The one secret Parley ever logs, once, on purpose: the operator reads it from the log.
  ctx.logger.warn(
    `No admin yet and this server is reachable from other machines: the first account becomes admin only with the one-time setup code ${code} (sign-up field "setupCode"). It works once, for 24 h; a restart prints a new one. Or set ADMIN_USERNAME and ADMIN_PASSWORD.`,
  );
}

async function bootstrapAdmin(ctx: AccountContext, rawUsername: string, password: string): Promise<void> {
  const username = rawUsername.trim().toLowerCase();
  const passwordHash = await ctx.hash(password);
  const existing = await ctx.repos.users.findUserByUsername(username);
  if (existing?.password_hash) {
    await ctx.repos.users.updateUser(existing.id, {
      password_hash: passwordHash,
      role: 'admin',
      disabled: 0,
      pending: 0,
    });
    ctx.audit('admin.bootstrap', { userId: existing.id, username, created: false });
    return;
  }
  if (existing && existing.id !== LOCAL_USER_ID) {
    ctx.logger.error(`ADMIN_USERNAME "${username}" names a built-in or guest user; choose another name.`);
    return;
  }
  if (
    await ctx.repos.users.claimLocalUser(LOCAL_USER_ID, {
      username,
      display_name: username,
      password_hash: passwordHash,
    })
  ) {
    await ctx.repos.setupCodes.deleteSetupCodes();
    ctx.audit('admin.bootstrap', { userId: LOCAL_USER_ID, username, created: true });
  }
}

/** Expired sessions, invites, reset links and setup codes, and audit entries past retention (at start and hourly). */
export async function purgeExpired(ctx: AccountContext): Promise<void> {
  const at = now();
  const purged = {
    sessions: await ctx.repos.sessions.deleteExpiredSessions(at),
    invites: await ctx.repos.invites.deleteExpiredInvites(at),
    resetLinks: await ctx.repos.passwordResets.deleteExpiredPasswordResets(at),
    setupCodes: await ctx.repos.setupCodes.deleteSetupCodes(at),
    auditEvents: await ctx.auditLog.purge(new Date(at)),
  };
  if (Object.values(purged).some((n) => n > 0)) ctx.logger.info({ purged }, 'purged expired credentials');
}

/**
 * What the sign-in page shows before anyone signs in (`GET /api/auth/providers`): whether the next
 * sign-up makes the install's first account, its admin (the same test as sign-up.ts), and whether
 * that needs the setup code from the log. Sign-up tells anyone this already (`setup_required`).
 */
export async function signUpState(
  ctx: AccountContext,
): Promise<{ firstAccount: boolean; setupCodeRequired: boolean }> {
  if (ctx.config.authMode === 'none') return { firstAccount: false, setupCodeRequired: false };
  const firstAccount = (await ctx.repos.users.countAccounts()) === 0;
  return { firstAccount, setupCodeRequired: firstAccount && ctx.config.publiclyReachable };
}
