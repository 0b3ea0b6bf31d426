import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { AuditType } from '../../shared/audit-types.js';
import type { AuditEvent } from '../../shared/auth-schemas.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { MAX_AUDIT_PAGE } from '../store/audit-repo.js';
import type { Repositories } from '../store/repositories.js';

export type { AuditType };

/** Entries older than this are deleted by the accounts' housekeeping. */
export const AUDIT_RETENTION_DAYS = 90;

export interface AuditEntry {
  /** Who did it (null: nobody signed in, e.g. a failed sign-in). */
  actorId?: string | null;
  /** Whom it was done to. */
  targetId?: string | null;
  ip?: string | null;
  /** Small facts about the event; never a secret (keys that name one are dropped). */
  detail?: Record<string, unknown>;
}

/** One entry as the API shows it (src/shared/auth-schemas.ts). */
export type AuditItem = Static<typeof AuditEvent>;

export interface AuditQuery {
  type?: string;
  userId?: string;
  before?: string;
  limit?: number;
}

/** Keys whose values are secrets: dropped from `detail` whatever the caller passed. */
const SECRET_KEYS = new Set([
  'password',
  'currentpassword',
  'newpassword',
  'passwordhash',
  'token',
  'code',
  'invitecode',
  'setupcode',
  'secret',
  'url',
]);

function scrub(detail: Record<string, unknown> | undefined): string | null {
  if (!detail) return null;
  const kept = Object.fromEntries(
    Object.entries(detail).filter(
      ([key, value]) => value !== undefined && !SECRET_KEYS.has(key.toLowerCase()),
    ),
  );
  return Object.keys(kept).length > 0 ? JSON.stringify(kept) : null;
}

const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || rest.length > 0 || Number.isNaN(Date.parse(at))) {
    throw new AppError('validation_error', 'The cursor "before" is not one this server gave out.');
  }
  return { at, id };
}

/**
 * Who did what to accounts, in the store (`audit_events`), for the admin console. Writing an entry
 * never fails the request that caused it: a store error is logged and the request goes on.
 */
export class AuditLog {
  constructor(
    private readonly deps: { repos: Pick<Repositories, 'audit'>; logger: Logger; now?: () => Date },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async record(type: AuditType, entry: AuditEntry = {}): Promise<void> {
    try {
      await this.deps.repos.audit.insertAuditEvent({
        id: newId(),
        at: this.now().toISOString(),
        type,
        actor_id: entry.actorId ?? null,
        target_id: entry.targetId ?? null,
        ip: entry.ip ? entry.ip.slice(0, 64) : null,
        detail: scrub(entry.detail),
      });
    } catch (err) {
      this.deps.logger.error({ err, audit: type }, 'could not write an audit log entry');
    }
  }

  /** A page of entries, newest first; `nextCursor` continues with older ones. */
  async list(query: AuditQuery): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.min(query.limit ?? 50, MAX_AUDIT_PAGE));
    const rows = await this.deps.repos.audit.listAuditEvents({
      type: query.type,
      userId: query.userId,
      before: query.before ? decodeCursor(query.before) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        at: row.at,
        type: row.type,
        actorId: row.actor_id,
        actorName: row.actor_name,
        targetId: row.target_id,
        targetName: row.target_name,
        ip: row.ip,
        detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {},
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
    };
  }

  /** Retention: entries older than AUDIT_RETENTION_DAYS are deleted; returns how many. */
  purge(at: Date = this.now()): Promise<number> {
    const cutoff = new Date(at.getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
    return this.deps.repos.audit.deleteAuditEventsBefore(cutoff);
  }
}
