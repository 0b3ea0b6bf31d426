import { deleteExpiredInvites } from '../store/invites-repo.js';
import { deleteExpiredPasswordResets } from '../store/password-resets-repo.js';
import { deleteExpiredSessions } from '../store/sessions-repo.js';
import { deleteSetupCodes, insertSetupCode } from '../store/setup-codes-repo.js';
import {
  claimLocalUser,
  countAccounts,
  countActiveAdmins,
  findUserByUsername,
  updateUser,
} from '../store/users-repo.js';
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
  if ((await countActiveAdmins(ctx.db)) > 0) {
    await deleteSetupCodes(ctx.db);
    return;
  }
  const { adminUsername, adminPassword, publiclyReachable } = ctx.config;
  if (adminUsername && adminPassword) {
    await bootstrapAdmin(ctx, adminUsername, adminPassword);
    return;
  }
  if (!publiclyReachable || (await countAccounts(ctx.db)) > 0) return;
  const code = randomSecret('setup_');
  const created = new Date();
  await insertSetupCode(ctx.db, {
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
  const existing = await findUserByUsername(ctx.db, username);
  if (existing?.password_hash) {
    await updateUser(ctx.db, existing.id, {
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
    await claimLocalUser(ctx.db, LOCAL_USER_ID, {
      username,
      display_name: username,
      password_hash: passwordHash,
    })
  ) {
    await deleteSetupCodes(ctx.db);
    ctx.audit('admin.bootstrap', { userId: LOCAL_USER_ID, username, created: true });
  }
}

/** Expired sessions, invites, reset links and setup codes (at start and hourly). */
export async function purgeExpired(ctx: AccountContext): Promise<void> {
  const at = now();
  const purged = {
    sessions: await deleteExpiredSessions(ctx.db, at),
    invites: await deleteExpiredInvites(ctx.db, at),
    resetLinks: await deleteExpiredPasswordResets(ctx.db, at),
    setupCodes: await deleteSetupCodes(ctx.db, at),
  };
  if (Object.values(purged).some((n) => n > 0)) ctx.logger.info({ purged }, 'purged expired credentials');
}
