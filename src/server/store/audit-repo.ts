import type { Kysely } from 'kysely';
import type { AuditEventsTable, Database } from './schema.js';

/** The most entries one page of the audit log returns. */
export const MAX_AUDIT_PAGE = 200;

export interface AuditFilter {
  type?: string;
  /** Entries where this user is the actor or the target. */
  userId?: string;
  /** Entries strictly older than this position (`at` then `id`, newest first). */
  before?: { at: string; id: string };
  limit: number;
}

export type AuditRow = AuditEventsTable & { actor_name: string | null; target_name: string | null };

export async function insertAuditEvent(db: Kysely<Database>, row: AuditEventsTable): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

/** Newest first, with the names of the actor and the target (null when the account is gone). */
export async function listAuditEvents(db: Kysely<Database>, filter: AuditFilter): Promise<AuditRow[]> {
  let query = db
    .selectFrom('audit_events as e')
    .leftJoin('users as actor', 'actor.id', 'e.actor_id')
    .leftJoin('users as target', 'target.id', 'e.target_id')
    .select([
      'e.id',
      'e.at',
      'e.type',
      'e.actor_id',
      'e.target_id',
      'e.ip',
      'e.detail',
      'actor.username as actor_name',
      'target.username as target_name',
    ]);
  if (filter.type) query = query.where('e.type', '=', filter.type);
  const { userId, before } = filter;
  if (userId)
    query = query.where((eb) => eb.or([eb('e.actor_id', '=', userId), eb('e.target_id', '=', userId)]));
  if (before) {
    query = query.where((eb) =>
      eb.or([eb('e.at', '<', before.at), eb.and([eb('e.at', '=', before.at), eb('e.id', '<', before.id)])]),
    );
  }
  return query
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(Math.max(1, Math.min(filter.limit, MAX_AUDIT_PAGE + 1)))
    .execute();
}

/** Retention: entries older than `cutoff` go. */
export async function deleteAuditEventsBefore(db: Kysely<Database>, cutoff: string): Promise<number> {
  const result = await db.deleteFrom('audit_events').where('at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
