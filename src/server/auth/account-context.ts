import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Data, Repositories } from '../store/repositories.js';
import type { Role, UserRow } from '../store/schema.js';
import { type AuditEntry, AuditLog, type AuditType } from './audit-log.js';
import type { CounterStore } from './counters.js';
import { HashQueue } from './hash-queue.js';
import { LoginThrottle } from './login-throttle.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

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
  store: Data;
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
  /** The audit log; by default one on `store`. */
  auditLog?: AuditLog;
}

export type NewSession = { sessionToken: string; csrfToken: string };

const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;

export const now = () => new Date().toISOString();

/** What every account job shares: the store, settings, hashing, throttle, audit log and revocation. */
export class AccountContext {
  readonly throttle: LoginThrottle;
  /** Every password hash and verification goes through it. */
  readonly hashes: HashQueue;
  /** Who did what to accounts, kept in the store for the admin console. */
  readonly auditLog: AuditLog;

  constructor(readonly deps: AccountServiceDeps) {
    const windowMs = deps.loginWindowMs ?? FAILED_LOGIN_WINDOW_MS;
    this.throttle = new LoginThrottle(deps.counters, {
      addressWindowMs: windowMs,
      firstLockMs: Math.min(windowMs, 60_000),
    });
    this.hashes = deps.hashQueue ?? new HashQueue();
    this.auditLog = deps.auditLog ?? new AuditLog({ repos: deps.store.repos, logger: deps.logger });
  }

  get repos() {
    return this.deps.store.repos;
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.deps.store.transaction(fn);
  }

  get config() {
    return this.deps.config;
  }

  get logger() {
    return this.deps.logger;
  }

  /** Hash and verify through the bounded queue (503 + Retry-After when it is full). */
  hash(password: string): Promise<string> {
    return this.hashes.run(() => hashPassword(password));
  }

  verify(password: string, stored: string | null | undefined): Promise<boolean> {
    // Verify against a decoy when there is no hash, so timing does not reveal usernames.
    return this.hashes.run(async () => verifyPassword(password, stored ?? (await decoyHash())));
  }

  audit(event: string, fields: Record<string, unknown>) {
    this.deps.logger.info({ audit: event, ...fields }, `audit: ${event}`);
  }

  /** An entry in the stored audit log (never throws: a failed write is logged). */
  record(type: AuditType, entry: AuditEntry): Promise<void> {
    return this.auditLog.record(type, entry);
  }

  async revoked(revoked: RevokedIdentity): Promise<void> {
    await this.deps.onRevoked?.(revoked);
  }

  requireAccounts() {
    if (this.deps.config.authMode === 'none') {
      throw new AppError('auth_disabled', 'Accounts are turned off on this server (AUTH_MODE=none).');
    }
  }
}
